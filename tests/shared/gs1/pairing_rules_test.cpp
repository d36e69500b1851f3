// GS1 AI pairing rules.
#include "shared/gs1/pairing_rules.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {
namespace {

std::string check(std::vector<std::pair<std::string, std::string>> pairs) {
  std::vector<Element> elements;
  for (auto& [ai, value] : pairs) elements.push_back(Element{ai, value, {}, {}});
  const auto result = check_pairing_rules(elements);
  return result ? "ok" : result.error().describe();
}

}  // namespace

TEST_CASE("a logistic unit with SSCC, content GTIN and count satisfies the rules") {
  CHECK(check({{"00", "106141412345678908"}, {"02", "00614141123452"}, {"37", "25"}}) == "ok");
}

TEST_CASE("a required partner that is missing is named") {
  CHECK(check({{"02", "00614141123452"}, {"37", "25"}}) == "(37): requires (00)");
  CHECK(check({{"10", "ABC"}}) == "(10): requires one of (01), (02), (8006), (8026)");
}

TEST_CASE("mutually exclusive AIs are refused") {
  CHECK(check({{"01", "09504000059101"}, {"02", "09504000059101"}}) == "(01): cannot appear together with (02)");
  CHECK(check({{"01", "09504000059101"}, {"3103", "000100"}, {"3102", "000100"}}) ==
        "(3103): cannot appear together with (3102)");
}

TEST_CASE("an AI repeated with the same value is allowed and with another value is not") {
  CHECK(check({{"01", "09504000059101"}, {"10", "A"}, {"10", "A"}}) == "ok");
  CHECK(check({{"01", "09504000059101"}, {"10", "A"}, {"10", "B"}}) == "(10): appears twice with different values");
}

}  // namespace recount::gs1
