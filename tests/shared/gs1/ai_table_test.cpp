// The AI table: lookups, ranges, predefined lengths and the AIs recount must know.
#include "shared/gs1/ai_table.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {

TEST_CASE("the table knows every AI that inventory scanning relies on") {
  for (const char* ai :
       {"00",   "01",   "02",   "10",   "11",   "13",   "15",   "16",   "17",   "20",   "21",   "22",   "235",
        "240",  "241",  "250",  "251",  "253",  "254",  "30",   "3100", "3105", "3695", "37",   "3900", "3929",
        "400",  "401",  "402",  "403",  "410",  "417",  "420",  "421",  "422",  "7003", "7004", "7011", "7230",
        "7239", "8003", "8004", "8006", "8008", "8020", "8111", "8200", "90",   "91",   "99"}) {
    CHECK_MESSAGE(find_ai(ai) != nullptr, "missing AI " << ai);
  }
}

TEST_CASE("AIs that GS1 does not assign are unknown") {
  for (const char* ai : {"89", "8100", "3106", "3196", "71", "1", "12345", "0"}) {
    CHECK_MESSAGE(find_ai(ai) == nullptr, "unexpected AI " << ai);
  }
}

TEST_CASE("a range entry covers each AI from its first to its last") {
  const auto* weight = find_ai("3103");
  REQUIRE(weight != nullptr);
  CHECK(weight->first == "3100");
  CHECK(weight->last == "3105");
  CHECK(weight->implied_decimal);
  CHECK(weight->predefined_length);
  CHECK(weight->fixed_length() == 6);
}

TEST_CASE("matching finds the AI at the start of data of any AI length") {
  CHECK(match_ai("0109504000059101")->ai == "01");
  CHECK(match_ai("2351234")->ai == "235");
  CHECK(match_ai("3103001250")->ai == "3103");
  CHECK(match_ai("8003070713")->ai == "8003");
  CHECK_FALSE(match_ai("891234"));
  CHECK_FALSE(match_ai("0"));
  CHECK_FALSE(match_ai("A1"));
}

TEST_CASE("no AI is a prefix of another, so matching is unambiguous") {
  const auto table = ai_table();
  std::string clashes;
  for (const auto& shorter : table) {
    for (const auto& longer : table) {
      if (shorter.first.size() >= longer.first.size()) continue;
      const auto prefix = std::string_view(longer.first).substr(0, shorter.first.size());
      if (prefix >= shorter.first && prefix <= shorter.last)
        clashes += shorter.first + " prefixes " + longer.first + "; ";
    }
  }
  CHECK(clashes == "");
}

TEST_CASE("only AIs of GS1's predefined-length prefixes skip the separator") {
  for (const auto& definition : ai_table()) {
    const auto prefix = definition.first.substr(0, 2);
    const bool listed = prefix == "00" || prefix == "01" || prefix == "02" || (prefix >= "11" && prefix <= "20") ||
                        (prefix >= "31" && prefix <= "36") || prefix == "41";
    CHECK_MESSAGE(definition.predefined_length == listed, definition.first);
  }
}

TEST_CASE("patterns match digits where they say n") {
  CHECK(matches_pattern("3103", "310n"));
  CHECK(matches_pattern("3103", "31nn"));
  CHECK(matches_pattern("01", "01"));
  CHECK_FALSE(matches_pattern("3203", "310n"));
  CHECK_FALSE(matches_pattern("310", "310n"));
}

}  // namespace recount::gs1
