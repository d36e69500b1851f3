// The JSON reader: typed reads with errors that name their field as a path from the root, the
// first error sticking, nested objects and arrays, and refusing unknown members when asked to.
#include "shared/protocol/json_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <unordered_set>

namespace recount::protocol {
namespace {

// A document that stays alive with the reader reading it.
struct Parsed {
  explicit Parsed(std::string json) : text(std::move(json)), document(JsonDocument::parse(text).value()) {}
  std::string text;
  JsonDocument document;
};

// The first error of reading `json`'s member "n" as an integer from 0 to 10.
Error integer_error(const std::string& json) {
  Parsed parsed(json);
  JsonReader in(parsed.document.root());
  in.integer<std::int64_t>("n", 0, 10);
  REQUIRE_FALSE(in.ok());
  return in.error();
}

TEST_CASE("json reader: typed reads return the members' values") {
  Parsed parsed(
      R"({"text":"caf\u00e9","code":"A-1","site":"s1","epoch":"0123456789abcdef","n":-5,"big":18446744073709551615,"kind":"b"})");
  JsonReader in(parsed.document.root());
  CHECK(in.text("text", Presence::kRequired) == "caf\xc3\xa9");
  CHECK(in.text("absent", Presence::kOptional).empty());
  CHECK(in.code("code", 8, Presence::kRequired) == "A-1");
  CHECK(in.identifier("site") == "s1");
  CHECK(in.epoch("epoch", Presence::kRequired) == "0123456789abcdef");
  CHECK(in.integer<std::int64_t>("n") == -5);
  CHECK(in.integer<std::uint64_t>("big") == UINT64_MAX);
  const auto kind = in.choice("kind", Presence::kRequired, [](std::string_view name) -> std::optional<int> {
    if (name == "a") return 1;
    if (name == "b") return 2;
    return std::nullopt;
  });
  CHECK(kind == 2);
  CHECK(in.finish(1).has_value());
}

TEST_CASE("json reader: integers must be JSON integers within the range asked for") {
  CHECK(integer_error(R"({})").message == "is required");
  CHECK(integer_error(R"({"n":1.0})").message == "must be an integer");
  CHECK(integer_error(R"({"n":true})").message == "must be an integer");
  CHECK(integer_error(R"({"n":"1"})").message == "must be an integer");
  CHECK(integer_error(R"({"n":11})").message == "must be between 0 and 10");
  CHECK(integer_error(R"({"n":-1})").message == "must be between 0 and 10");
  CHECK(integer_error(R"({"n":18446744073709551616})").message == "must be an integer");
  CHECK(integer_error(R"({"n":11})").field == "n");
}

TEST_CASE("json reader: the first error sticks and later reads change nothing") {
  Parsed parsed(R"({"a":5,"b":"text"})");
  JsonReader in(parsed.document.root());
  CHECK(in.text("a", Presence::kRequired).empty());
  CHECK(in.text("b", Presence::kRequired).empty());  // readable, but after an error
  in.fail("b", "a later problem");
  const auto result = in.finish(std::string("value"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().field == "a");
  CHECK(result.error().message == "must be a string");
  CHECK(result.error().code == ErrorCode::kInvalidInput);
}

TEST_CASE("json reader: errors in arrays and nested objects name their path from the root") {
  Parsed parsed(R"({"rows":[{"qty":1},{"qty":2,"inner":{"list":[{"x":1},{"x":"bad"}]}}]})");
  JsonReader in(parsed.document.root());
  const auto rows = in.objects("rows", [](JsonReader& row) {
    const auto qty = row.integer<std::int64_t>("qty");
    row.object("inner", Presence::kOptional, [](JsonReader& inner) {
      return inner.objects("list", [](JsonReader& item) { return item.integer<std::int64_t>("x"); });
    });
    return qty;
  });
  CHECK(rows.size() == 2);
  REQUIRE_FALSE(in.ok());
  CHECK(in.error().field == "rows[1].inner.list[1].x");
}

TEST_CASE("json reader: elements and members that are not objects, and arrays too long, are refused by name") {
  struct Case {
    std::string json;
    std::string field;
    std::string message;
  };
  const Case cases[] = {
      {R"({"rows":[{}, 7]})", "rows[1]", "must be an object"},
      {R"({"rows":{}})", "rows", "must be an array"},
      {R"({"rows":[{},{},{}]})", "rows", "holds more than 2 elements"},
      {R"({"one":[]})", "one", "must be an object"},
      {R"({})", "rows", "is required"},
  };
  for (const Case& test : cases) {
    CAPTURE(test.json);
    Parsed parsed(test.json);
    JsonReader in(parsed.document.root());
    in.object("one", Presence::kOptional, [](JsonReader&) { return 0; });
    in.objects(
        "rows", [](JsonReader&) { return 0; }, 2);
    REQUIRE_FALSE(in.ok());
    CHECK(in.error().field == test.field);
    CHECK(in.error().message == test.message);
  }
}

TEST_CASE("json reader: unknown members are ignored by default and refused by name with UnknownMembers::kRefuse") {
  const std::string json = R"({"known":1,"nested":{"inner":2,"stray":3}})";
  auto read = [](JsonReader& in) {
    in.integer<int>("known");
    in.object("nested", Presence::kRequired, [](JsonReader& nested) { return nested.integer<int>("inner"); });
    return 0;
  };
  Parsed lenient(json);
  JsonReader ignoring(lenient.document.root());
  read(ignoring);
  CHECK(ignoring.finish(0).has_value());

  Parsed strict(json);
  JsonReader refusing(strict.document.root(), UnknownMembers::kRefuse);
  read(refusing);
  const auto result = refusing.finish(0);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().field == "nested.stray");
  CHECK(result.error().message == "is not a member of this object");

  Parsed top(R"({"known":1,"nested":{"inner":2},"extra":true})");
  JsonReader top_level(top.document.root(), UnknownMembers::kRefuse);
  read(top_level);
  CHECK(top_level.finish(0).error().field == "extra");
}

TEST_CASE("json reader: codes, identifiers and epochs are validated, and distinct() refuses a repeated value") {
  Parsed parsed(R"({"rows":[{"id":"a"},{"id":"b"},{"id":"a"}],"site":"a/b","epoch":"XYZ"})");
  {
    JsonReader in(parsed.document.root());
    std::unordered_set<std::string> seen;
    in.objects("rows", [&](JsonReader& row) {
      std::string id = row.code("id", 4, Presence::kRequired);
      row.distinct("id", id, seen);
      return id;
    });
    REQUIRE_FALSE(in.ok());
    CHECK(in.error().field == "rows[2].id");
    CHECK(in.error().message == "repeats an earlier element's value");
  }
  {
    JsonReader in(parsed.document.root());
    in.identifier("site");
    CHECK(in.error().field == "site");
  }
  {
    JsonReader in(parsed.document.root());
    in.epoch("epoch", Presence::kRequired);
    CHECK(in.error().message == "must be 16 lowercase hex digits");
  }
}

}  // namespace
}  // namespace recount::protocol
