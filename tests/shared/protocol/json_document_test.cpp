// The protocol's JSON parser against nlohmann::json as the oracle: the fuzz corpus, the malformed
// fixtures and seeded mutations of them must be accepted exactly when nlohmann accepts them, and
// parse to the same values (kinds, numbers, unescaped strings, the last of repeated keys).
#include "shared/protocol/json_document.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace recount::protocol {
namespace {

using Json = nlohmann::json;

// Whether `value` holds what nlohmann made of the same text; `depth` bounds this recursion (the
// deeply nested inputs are checked by acceptance alone).
bool same(JsonValue value, const Json& expected, int depth = 0) {
  if (depth > 200) return true;
  switch (value.kind()) {
    case JsonValue::Kind::kNull: return expected.is_null();
    case JsonValue::Kind::kBoolean: return expected.is_boolean() && expected.get<bool>() == value.boolean();
    case JsonValue::Kind::kUnsigned:
      return expected.is_number_unsigned() && expected.get<std::uint64_t>() == value.unsigned_integer();
    case JsonValue::Kind::kSigned:
      return expected.is_number_integer() && !expected.is_number_unsigned() &&
             expected.get<std::int64_t>() == value.signed_integer();
    case JsonValue::Kind::kFloat: return expected.is_number_float() && expected.get<double>() == value.floating();
    case JsonValue::Kind::kString: return expected.is_string() && expected.get<std::string>() == value.string();
    case JsonValue::Kind::kArray: {
      if (!expected.is_array() || expected.size() != value.size()) return false;
      std::size_t i = 0;
      bool equal = true;
      value.for_each_element([&](JsonValue element) {
        equal = same(element, expected[i++], depth + 1);
        return equal;
      });
      return equal;
    }
    case JsonValue::Kind::kObject: {
      if (!expected.is_object()) return false;
      // Repeated keys count once, and find() must yield the last value as nlohmann kept it.
      std::set<std::string, std::less<>> keys;
      value.for_each_member([&](std::string_view key, JsonValue) {
        keys.emplace(key);
        return true;
      });
      if (keys.size() != expected.size()) return false;
      for (const std::string& key : keys) {
        const auto found = expected.find(key);
        if (found == expected.end() || !same(*value.find(key), *found, depth + 1)) return false;
      }
      return true;
    }
  }
  return false;
}

// Checks one input against the oracle; returns whether both accepted it. A document that keeps
// only its outer levels (kept_depth) must accept and refuse exactly the same inputs: what it does
// not keep is checked all the same.
bool check_against_nlohmann(const std::string& input) {
  const auto document = JsonDocument::parse(input);
  const bool accepted = Json::accept(input);
  INFO("input: ", Json(input).dump(-1, ' ', true, Json::error_handler_t::replace));
  CHECK(document.has_value() == accepted);
  if (document && accepted) CHECK(same(document->root(), Json::parse(input)));
  for (const std::size_t kept_depth : {0, 1, 2}) {
    CHECK(JsonDocument::parse(input, JsonDocument::kAnyDepth, kept_depth).has_value() == accepted);
  }
  return document && accepted;
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> contents;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    contents.push_back(text.str());
  }
  return contents;
}

std::vector<std::string> seed_inputs() {
  const std::filesystem::path root(RECOUNT_SOURCE_DIR);
  auto seeds = files_in(root / "tests/fuzz/corpus/protocol");
  const auto malformed = files_in(root / "tests/data/protocol/malformed");
  seeds.insert(seeds.end(), malformed.begin(), malformed.end());
  return seeds;
}

// Pieces to splice into payloads: escapes good and bad, UTF-8 good and bad, numbers at the edges
// of 64 bits and of a double, and the tokens JSON's grammar turns on.
// clang-format off
const std::vector<std::string> kSplices{
    R"(\u0000)", R"(\ud83d\ude00)", R"(\ud800)", R"(\udc00)", R"(\ud800\u0041)", R"(\uDBFF\uDFFF)", R"(\u00e9)",
    R"(\"\\\/\b\f\n\r\t)", R"(\x)", R"(\u12)", R"(\U0041)", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\xe0\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "\xff", "\x1f",
    "\x7f", "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    "1e400", "-1e400", "1e-400", "-0", "-0.0", "1.0", "01", "1.", ".5", "1e", "1e+", "-", "1E5", "2.5e-3",
    "123456789012345678901234567890", "true", "false", "null", "nul", "[", "]", "{", "}", ",", ":", "\"", " ",
    "\t", "\n", "\r", "\f", "\v", std::string(1, '\0')};
// clang-format on

TEST_CASE("the fuzz corpus and the malformed fixtures parse exactly as nlohmann parses them") {
  const auto seeds = seed_inputs();
  REQUIRE(seeds.size() > 100);
  std::size_t accepted = 0;
  for (const std::string& seed : seeds) accepted += check_against_nlohmann(seed) ? 1 : 0;
  CHECK(accepted > 100);  // the oracle is not vacuous: most of the corpus is JSON
}

TEST_CASE("truncated, byte-flipped and spliced payloads parse exactly as nlohmann parses them") {
  const auto seeds = seed_inputs();
  std::mt19937 random(20261127);
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(random() % n); };
  for (const std::string& seed : seeds) {
    for (int round = 0; round < 12; ++round) {
      check_against_nlohmann(seed.substr(0, pick(seed.size() + 1)));
      std::string flipped = seed;
      if (!flipped.empty()) flipped[pick(flipped.size())] = static_cast<char>(random() % 256);
      check_against_nlohmann(flipped);
      std::string spliced = seed;
      spliced.insert(pick(spliced.size() + 1), kSplices[pick(kSplices.size())]);
      check_against_nlohmann(spliced);
    }
  }
}

TEST_CASE("every splice stands alone, as a string, a member and a value the way nlohmann takes it") {
  for (const std::string& splice : kSplices) {
    check_against_nlohmann(splice);
    check_against_nlohmann("\"" + splice + "\"");
    check_against_nlohmann("{\"v\":1,\"k" + splice + "\":0}");
    check_against_nlohmann("{\"v\":" + splice + "}");
    check_against_nlohmann(std::string("[").append(splice).append(",").append(splice).append("]"));
  }
}

TEST_CASE("a repeated key keeps its last value, as nlohmann's std::map does") {
  CHECK(check_against_nlohmann(R"({"a":1,"b":[2],"a":{"c":3}})"));
  const auto document = JsonDocument::parse(R"({"v":1,"v":2,"s":"x","s":"y"})");
  REQUIRE(document);
  CHECK(document->root().find("v")->unsigned_integer() == 2);
  CHECK(document->root().find("s")->string() == "y");
  CHECK(document->root().size() == 4);
}

TEST_CASE("escapes are unescaped and plain strings read as they stand") {
  const auto document = JsonDocument::parse(R"({"k\u0065y":"a\"b\\c\/d\u00e9\ud83d\ude00","plain":"caf)"
                                            "\xc3\xa9\"}");
  REQUIRE(document);
  CHECK(document->root().find("key")->string() == "a\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(document->root().find("plain")->string() == "caf\xc3\xa9");
}

TEST_CASE("numbers keep nlohmann's kinds: unsigned, signed, and float beyond 64 bits or with a fraction") {
  for (const char* text : {"0", "-0", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
                           "-9223372036854775809", "1.0", "1e2", "1e-400", "-1E+2"}) {
    CHECK(check_against_nlohmann(text));
  }
  CHECK(JsonDocument::parse("-0")->root().kind() == JsonValue::Kind::kSigned);
  CHECK_FALSE(JsonDocument::parse("1e400"));                      // overflows a double: nlohmann refuses it
  CHECK_FALSE(JsonDocument::parse("1" + std::string(400, '0')));  // likewise
}

TEST_CASE("a byte-order mark may open the payload and whitespace may surround it") {
  for (const char* text :
       {"\xEF\xBB\xBF{}", "\xEF\xBB{}", "\xEF{}", " \t\r\n{} \n", "\f{}", "{}\f", "{} x", "", " ", "\xEF\xBB\xBF"}) {
    check_against_nlohmann(text);
  }
}

TEST_CASE("a NUL byte after the value ends the input, as nlohmann's lexer reads it, and nowhere else") {
  using namespace std::string_literals;
  CHECK(check_against_nlohmann("{} \0 junk"s));
  CHECK(check_against_nlohmann("7\0e2"s));
  for (const std::string& text : {"\0"s, "[\0]"s, "{\"a\":\0}"s, "\"a\0\""s, "-\0"s}) {
    CHECK_FALSE(check_against_nlohmann(text));
  }
}

TEST_CASE("deep nesting parses without recursion and stops at the first malformed byte") {
  const std::size_t depth = 200'000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  const auto document = JsonDocument::parse(nested);
  REQUIRE(document);
  CHECK(Json::accept(nested));
  std::size_t levels = 0;
  for (std::optional<JsonValue> at = document->root(); at; ++levels) {
    std::optional<JsonValue> inner;
    at->for_each_element([&](JsonValue element) {
      inner = element;
      return false;
    });
    at = inner;
  }
  CHECK(levels == depth);
  check_against_nlohmann(std::string(depth, '[') + std::string(depth - 1, ']'));
  check_against_nlohmann(std::string(depth, '{'));
  check_against_nlohmann("{\"a\":" + std::string(1000, '[') + std::string(1000, ']') + "}");
}

TEST_CASE("a value's source is its exact text in the payload, quotes, escapes and inner whitespace included") {
  const std::string payload = " {\"a\" : [ 1 , \"x\\u0041\" ,{\"b\":[ ]} ], \"n\":-1.5e3 ,\"t\":true} ";
  const auto document = JsonDocument::parse(payload);
  REQUIRE(document);
  CHECK(document->root().source() == payload.substr(1, payload.size() - 2));
  const JsonValue array = *document->root().find("a");
  CHECK(array.source() == "[ 1 , \"x\\u0041\" ,{\"b\":[ ]} ]");
  std::vector<std::string_view> elements;
  array.for_each_element([&](JsonValue element) {
    elements.push_back(element.source());
    return true;
  });
  CHECK(elements == std::vector<std::string_view>{"1", "\"x\\u0041\"", "{\"b\":[ ]}"});
  CHECK(document->root().find("n")->source() == "-1.5e3");
  CHECK(document->root().find("t")->source() == "true");
}

TEST_CASE("a document keeping two levels has the deeper containers' sizes and sources, which parse alone") {
  const std::string payload =
      R"({"v":1,"items":[{"sku":"A","codes":[{"c":"x\"y"}]}, {"sku":"B\u00e9","n":[1,2]} ,[3,[4]], 5],"z":{"k":{"d":[6]}}})";
  const auto full = JsonDocument::parse(payload);
  const auto shallow = JsonDocument::parse(payload, JsonDocument::kAnyDepth, 2);
  REQUIRE(full);
  REQUIRE(shallow);
  const JsonValue items = *shallow->root().find("items");
  CHECK(items.size() == 4);
  CHECK(items.source() == full->root().find("items")->source());
  std::vector<std::pair<std::size_t, std::string_view>> elements;
  items.for_each_element([&](JsonValue element) {
    // Level 2: counted and bounded, but nothing inside is kept.
    if (element.is_object() || element.is_array()) {
      std::size_t visited = 0;
      element.for_each_element([&](JsonValue) {
        ++visited;
        return true;
      });
      element.for_each_member([&](std::string_view, JsonValue) {
        ++visited;
        return true;
      });
      CHECK(visited == 0);
      CHECK_FALSE(element.find("sku").has_value());
    }
    elements.emplace_back(element.is_integer() ? 0 : element.size(), element.source());
    return true;
  });
  REQUIRE(elements.size() == 4);
  CHECK(elements[0] == std::pair<std::size_t, std::string_view>{2, R"({"sku":"A","codes":[{"c":"x\"y"}]})"});
  CHECK(elements[1] == std::pair<std::size_t, std::string_view>{2, R"({"sku":"B\u00e9","n":[1,2]})"});
  CHECK(elements[2] == std::pair<std::size_t, std::string_view>{2, "[3,[4]]"});
  CHECK(elements[3].second == "5");
  // Parsed alone, an element's source is what the full document holds there.
  const auto second = JsonDocument::parse(elements[1].second);
  REQUIRE(second);
  CHECK(second->root().find("sku")->string() == "B\xc3\xa9");
  CHECK(same(second->root(), Json::parse(payload)["items"][1]));
  CHECK(shallow->root().find("z")->find("k")->size() == 1);
  CHECK_FALSE(shallow->root().find("z")->find("k")->find("d").has_value());
  // Keeping only the root: its members are counted, not kept.
  const auto root_only = JsonDocument::parse(payload, JsonDocument::kAnyDepth, 0);
  REQUIRE(root_only);
  CHECK(root_only->root().size() == 3);
  CHECK_FALSE(root_only->root().find("v").has_value());
  // What is not kept is still checked: a bad escape or byte deep inside refuses the payload.
  CHECK_FALSE(JsonDocument::parse(R"({"items":[{"a":{"b":"\x"}}]})", JsonDocument::kAnyDepth, 2).has_value());
  CHECK_FALSE(JsonDocument::parse("{\"items\":[{\"a\":\"\xff\"}]}", JsonDocument::kAnyDepth, 2).has_value());
  CHECK_FALSE(JsonDocument::parse(R"({"items":[{"a":[1,]}]})", JsonDocument::kAnyDepth, 2).has_value());
  CHECK_FALSE(JsonDocument::parse(R"({"items":[{"a":[[[1]]]}]})", 4, 2).has_value());
}

TEST_CASE("nesting past the depth limit is refused with an error naming the limit, and at the limit it parses") {
  const std::size_t limit = 32;
  const auto at_limit = JsonDocument::parse(std::string(limit, '[') + std::string(limit, ']'), limit);
  CHECK(at_limit.has_value());
  const auto past = JsonDocument::parse(std::string(limit + 1, '[') + std::string(limit + 1, ']'), limit);
  REQUIRE_FALSE(past.has_value());
  CHECK(past.error().field.empty());
  CHECK(past.error().message == "payload nests arrays and objects more than 32 levels deep");
  // Objects count as levels too, and the limit is met before the rest is read: the payload is
  // also malformed further on, but the depth is what it is refused for.
  std::string objects_text;
  for (int i = 0; i < 200; ++i) objects_text += "{\"a\":";
  const auto objects = JsonDocument::parse(objects_text + "garbage", limit);
  REQUIRE_FALSE(objects.has_value());
  CHECK(objects.error().message.find("32 levels deep") != std::string::npos);
  const auto mixed = JsonDocument::parse(R"({"a":[{"b":[[1]]}]})", 4);
  REQUIRE_FALSE(mixed.has_value());
  CHECK(JsonDocument::parse(R"({"a":[{"b":[[1]]}]})", 5).has_value());
}

TEST_CASE("malformed JSON is refused with an error that says so") {
  const auto malformed = JsonDocument::parse("{\"a\":}");
  REQUIRE_FALSE(malformed.has_value());
  CHECK(malformed.error().message == "payload is not well-formed JSON in UTF-8");
}

}  // namespace
}  // namespace recount::protocol
