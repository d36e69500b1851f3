// The compact JSON writer: structure and commas, strings escaped as nlohmann's dump() escapes
// them (the oracle), numbers, and JSON embedded verbatim.
#include "shared/protocol/json_writer.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace recount::protocol {
namespace {

using Json = nlohmann::json;

std::string written_string(std::string_view text) {
  JsonWriter out;
  out.string(text);
  return std::move(out).finish();
}

TEST_CASE("json writer: nested objects and arrays get commas between members and elements only") {
  JsonWriter out;
  out.begin_object();
  out.field("a", 1);
  out.key("b");
  out.begin_array();
  out.integer(1);
  out.begin_object();
  out.end_object();
  out.begin_array();
  out.end_array();
  out.string("x");
  out.null();
  out.boolean(true);
  out.boolean(false);
  out.end_array();
  out.key("c");
  out.begin_object();
  out.field("d", "e");
  out.end_object();
  out.end_object();
  CHECK(std::move(out).finish() == R"({"a":1,"b":[1,{},[],"x",null,true,false],"c":{"d":"e"}})");
}

TEST_CASE("json writer: optional strings are left out when empty, and objects() writes an array of objects") {
  struct Pair {
    std::string name;
    std::int64_t count;
  };
  const std::vector<Pair> pairs{{"x", -3}, {"", 0}};
  JsonWriter out;
  out.begin_object();
  out.optional("empty", "");
  out.optional("full", "yes");
  out.objects("pairs", pairs, [](JsonWriter& element, const Pair& pair) {
    element.optional("name", pair.name);
    element.field("count", pair.count);
  });
  out.objects("none", std::vector<Pair>{}, [](JsonWriter&, const Pair&) {});
  out.end_object();
  CHECK(std::move(out).finish() == R"({"full":"yes","pairs":[{"name":"x","count":-3},{"count":0}],"none":[]})");
}

TEST_CASE("json writer: strings are escaped as nlohmann's dump() escapes them, bytes that are not UTF-8 replaced") {
  const std::vector<std::string> texts{"",
                                       "plain",
                                       "quote\"d",
                                       "back\\slash",
                                       "/slash",
                                       std::string("nul\0byte", 8),
                                       "\x01\x1f\x7f",
                                       "\b\f\n\r\t",
                                       "caf\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "\xff",
                                       "a\xc3",
                                       "\xe2\x82",
                                       "\xe2\x82\xff",
                                       "\xe0\x80\x80",
                                       "\xed\xa0\x80",
                                       "\xf4\x90\x80\x80",
                                       "\xc0\xaf",
                                       "\x80\x80",
                                       "\xf0\x9f\x98",
                                       "mix\xc3\xa9\xff\"\\\x02 end"};
  for (const std::string& text : texts) {
    CAPTURE(text);
    CHECK(written_string(text) == Json(text).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

TEST_CASE("json writer: integers take their full range, and doubles read back as the same double") {
  JsonWriter out;
  out.begin_array();
  out.integer(std::numeric_limits<std::int64_t>::min());
  out.integer(std::numeric_limits<std::uint64_t>::max());
  out.integer(std::uint32_t{0});
  out.number(12.5);
  out.number(0.01);
  out.number(3.0);
  out.number(-1e300);
  out.number(std::numeric_limits<double>::infinity());
  out.number(std::numeric_limits<double>::quiet_NaN());
  out.end_array();
  const std::string text = std::move(out).finish();
  CHECK(text == "[-9223372036854775808,18446744073709551615,0,12.5,0.01,3.0,-1e+300,null,null]");
  const Json parsed = Json::parse(text);
  CHECK(parsed[3].get<double>() == 12.5);
  CHECK(parsed[5].is_number_float());  // 3.0 stays a double, as nlohmann keeps it
}

TEST_CASE("json writer: an absent optional value is null, a present one its value, 0 and \"\" included") {
  JsonWriter out;
  out.begin_array();
  out.integer_or_null(std::optional<std::int64_t>(0));
  out.integer_or_null(std::optional<std::uint64_t>());
  out.string_or_null(std::optional<std::string_view>(""));
  out.string_or_null(std::nullopt);
  out.end_array();
  CHECK(std::move(out).finish() == R"([0,null,"",null])");
}

TEST_CASE("json writer: raw() embeds a value byte for byte, members() an object's members but those excepted") {
  const std::string payload = R"({"v":1, "device":"d1","nested":{"a":[1, 2]},"text":"caf\u00e9"})";
  const auto document = JsonDocument::parse(payload);
  REQUIRE(document.has_value());
  JsonWriter out;
  out.begin_object();
  out.key("raw");
  out.raw(R"({"kept": [1,  2]})");
  out.members(document->root(), {"v", "device"});
  out.field("after", 2);
  out.end_object();
  CHECK(std::move(out).finish() == R"({"raw":{"kept": [1,  2]},"nested":{"a":[1, 2]},"text":"caf\u00e9","after":2})");
}

TEST_CASE("json writer: members() of an object whose every member is excepted leaves the object well formed") {
  const auto document = JsonDocument::parse(R"({"v":1})");
  REQUIRE(document.has_value());
  JsonWriter out;
  out.begin_object();
  out.members(document->root(), {"v"});
  out.field("next", "x");
  out.end_object();
  CHECK(std::move(out).finish() == R"({"next":"x"})");
}

}  // namespace
}  // namespace recount::protocol
