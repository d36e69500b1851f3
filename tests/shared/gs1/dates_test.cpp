// GS1 dates: the century rule, day 00 and calendar checks.
#include "shared/gs1/dates.hpp"

#include <doctest/doctest.h>

namespace recount::gs1 {
namespace {

using std::chrono::year;

constexpr std::chrono::year_month_day kToday{year(2026), std::chrono::month(11), std::chrono::day(26)};

}  // namespace

TEST_CASE("two-digit years within 50 years ahead or 49 behind stay in the current century") {
  CHECK(expand_year(26, year(2026)) == year(2026));
  CHECK(expand_year(76, year(2026)) == year(2076));
  CHECK(expand_year(0, year(2026)) == year(2000));
  CHECK(expand_year(77, year(2026)) == year(1977));
  CHECK(expand_year(99, year(2026)) == year(1999));
}

TEST_CASE("two-digit years far behind the current year belong to the next century") {
  CHECK(expand_year(10, year(2080)) == year(2110));
  CHECK(expand_year(30, year(2080)) == year(2130));
  CHECK(expand_year(31, year(2080)) == year(2031));
}

TEST_CASE("day 00 means the last day of the month where allowed") {
  CHECK(iso_date(*parse_date("200200", DayZero::kEndOfMonth, kToday)) == "2020-02-29");
  CHECK(iso_date(*parse_date("210200", DayZero::kEndOfMonth, kToday)) == "2021-02-28");
  CHECK(iso_date(*parse_date("211200", DayZero::kEndOfMonth, kToday)) == "2021-12-31");
  CHECK_FALSE(parse_date("211200", DayZero::kInvalid, kToday));
}

TEST_CASE("impossible dates are refused with the rule they break") {
  CHECK(parse_date("990229", DayZero::kEndOfMonth, kToday).error().message == "February 1999 has 28 days, not 29");
  CHECK(parse_date("211301", DayZero::kEndOfMonth, kToday).error().message == "month 13 does not exist");
  CHECK_FALSE(parse_date("0BOGUS", DayZero::kEndOfMonth, kToday));
  CHECK_FALSE(parse_date("21010", DayZero::kEndOfMonth, kToday));
}

TEST_CASE("leap years depend on the century the rule picks") {
  CHECK(parse_date("000229", DayZero::kInvalid, kToday));
  const std::chrono::year_month_day late{year(2060), std::chrono::month(1), std::chrono::day(1)};
  CHECK_FALSE(parse_date("000229", DayZero::kInvalid, late));  // 2100 is not a leap year
}

}  // namespace recount::gs1
