// Accessors and renderings of parsed GS1 messages.
#include "shared/gs1/element_string.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {
namespace {

Element element(std::string ai, std::string value) { return Element{std::move(ai), std::move(value), {}, {}}; }

}  // namespace

TEST_CASE("typed accessors return the values of their AIs") {
  ElementString parsed;
  parsed.elements = {element("00", "106141412345678908"), element("02", "00614141123452"), element("37", "25"),
                     element("10", "ABC123"), element("21", "S1")};
  CHECK(parsed.sscc() == "106141412345678908");
  CHECK(parsed.content_gtin() == "00614141123452");
  CHECK(parsed.count() == 25);
  CHECK(parsed.lot() == "ABC123");
  CHECK(parsed.serial() == "S1");
  CHECK_FALSE(parsed.gtin());
  CHECK_FALSE(parsed.expiry());
}

TEST_CASE("the expiry is the resolved date of AI 17 in ISO form") {
  ElementString parsed;
  parsed.elements = {element("01", "09504000059101"), element("17", "261200")};
  parsed.elements[1].date =
      std::chrono::year_month_day{std::chrono::year(2026), std::chrono::month(12), std::chrono::day(31)};
  CHECK(parsed.expiry() == "2026-12-31");
  CHECK(parsed.gtin() == "09504000059101");
}

TEST_CASE("a plain GTIN scan gives its GTIN-14") {
  ElementString parsed;
  parsed.symbology_identifier = "]E0";
  parsed.plain_gtin = "5901234123457";
  CHECK(parsed.gtin() == "05901234123457");
  CHECK(parsed.hri().empty());
}

TEST_CASE("raw form puts a separator after variable-length elements except the last") {
  ElementString parsed;
  parsed.elements = {element("10", "123"), element("17", "221231"), element("21", "X"), element("8111", "1234"),
                     element("01", "09504000059101")};
  CHECK(parsed.hri() == "(10)123(17)221231(21)X(8111)1234(01)09504000059101");
  CHECK(parsed.raw() ==
        "10123\x1d"
        "1722123121X\x1d"
        "81111234\x1d"
        "0109504000059101");
}

TEST_CASE("count takes whichever of AI 30 and 37 comes first") {
  ElementString parsed;
  parsed.elements = {element("01", "09504000059101"), element("30", "00000012")};
  CHECK(parsed.count() == 12);
}

TEST_CASE("whether FNC1 was in first position has stable names") {
  CHECK(to_string(Fnc1::kFirstPosition) == "first_position");
  CHECK(to_string(Fnc1::kMissing) == "missing");
  CHECK(to_string(Fnc1::kNotApplicable) == "not_applicable");
}

}  // namespace recount::gs1
