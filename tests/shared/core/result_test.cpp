// Result<T> and Error: values, errors, and the field paths nested decoders build.
#include "shared/core/result.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace recount {

TEST_CASE("a result holding a value gives it back and reports success") {
  Result<std::string> result(std::string("hh-17"));
  REQUIRE(result.has_value());
  CHECK(static_cast<bool>(result));
  CHECK(*result == "hh-17");
  CHECK(result->size() == 5);
  const std::string moved = std::move(result).value();
  CHECK(moved == "hh-17");
}

TEST_CASE("a result holding an error reports failure and keeps the error") {
  const Result<int> result = invalid("qty", "must be positive");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::kInvalidInput);
  CHECK(result.error().field == "qty");
  CHECK(result.error().message == "must be positive");
}

TEST_CASE("Result<void> succeeds by default and fails when given an error") {
  const Result<void> ok;
  CHECK(ok.has_value());
  const Result<void> ok_too = Ok{};
  CHECK(ok_too.has_value());
  const Result<void> failed = Error{ErrorCode::kIo, "", "disk full"};
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::kIo);
}

TEST_CASE("describe prefixes the field when there is one") {
  CHECK(invalid("events[3].qty", "must be between 0 and 1000000000").describe() ==
        "events[3].qty: must be between 0 and 1000000000");
  CHECK(Error{ErrorCode::kUnavailable, "", "broker unreachable"}.describe() == "broker unreachable");
}

TEST_CASE("within joins members with a dot and array indexes directly") {
  CHECK(invalid("qty", "x").within("events[3]").field == "events[3].qty");
  CHECK(invalid("[2].code", "x").within("items[0].barcodes").field == "items[0].barcodes[2].code");
  CHECK(invalid("qty", "x").within("").field == "qty");
  CHECK(invalid("", "x").within("events[1]").field == "events[1]");
  const Error nested = invalid("pack_qty", "x").within("barcodes[1]").within("items[0]");
  CHECK(nested.field == "items[0].barcodes[1].pack_qty");
  CHECK(nested.message == "x");
}

TEST_CASE("every error code has its own name") {
  std::set<std::string> names;
  for (const ErrorCode code : {ErrorCode::kInvalidInput, ErrorCode::kUnsupportedVersion, ErrorCode::kNotFound,
                               ErrorCode::kConflict, ErrorCode::kCorrupt, ErrorCode::kIo, ErrorCode::kUnavailable}) {
    names.insert(to_string(code));
  }
  CHECK(names.size() == 7);
  CHECK(names.count("unknown") == 0);
  CHECK(std::string(to_string(ErrorCode::kUnsupportedVersion)) == "unsupported_version");
}

}  // namespace recount
