// %XX escapes in URLs.
#include "hub/http/percent_encoding.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

TEST_CASE("percent_encode keeps unreserved characters and escapes every other byte") {
  CHECK(percent_encode("SKU-1_a.b~") == "SKU-1_a.b~");
  CHECK(percent_encode("a/b c&d=e+f%") == "a%2Fb%20c%26d%3De%2Bf%25");
  CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
}

TEST_CASE("percent_decode undoes percent_encode, '+' is a space only in a query") {
  const std::string text = "a/b c&d=e+f% \xC3\xA9";
  CHECK(percent_decode("x", percent_encode(text), PercentPart::kPath).value() == text);
  CHECK(percent_decode("x", "a+b", PercentPart::kQuery).value() == "a b");
  CHECK(percent_decode("x", "a+b", PercentPart::kPath).value() == "a+b");
}

TEST_CASE("a % without two hex digits is refused naming the field") {
  for (const char* bad : {"%", "%4", "%G1", "ab%2"}) {
    const auto decoded = percent_decode("lot", bad, PercentPart::kPath);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().describe() == "lot: has a % not followed by two hex digits");
  }
}

}  // namespace
}  // namespace recount::hub
