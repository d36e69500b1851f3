// GS1 dates.
#include "shared/gs1/dates.hpp"

#include <cstdio>

namespace recount::gs1 {
namespace {

const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};

}  // namespace

std::chrono::year expand_year(int two_digit_year, std::chrono::year today) {
  const int current = static_cast<int>(today);
  const int century = current - current % 100;
  const int difference = two_digit_year - current % 100;
  if (difference >= 51) return std::chrono::year(century - 100 + two_digit_year);
  if (difference <= -50) return std::chrono::year(century + 100 + two_digit_year);
  return std::chrono::year(century + two_digit_year);
}

Result<std::chrono::year_month_day> parse_date(std::string_view yymmdd, DayZero day_zero,
                                               std::chrono::year_month_day today) {
  if (yymmdd.size() != 6) return invalid("", "a date needs 6 digits YYMMDD, not " + std::to_string(yymmdd.size()));
  for (const char c : yymmdd) {
    if (c < '0' || c > '9') return invalid("", "a date YYMMDD has digits only, not '" + std::string(1, c) + "'");
  }
  const auto number = [&](std::size_t at) { return (yymmdd[at] - '0') * 10 + (yymmdd[at + 1] - '0'); };
  const int month = number(2);
  const int day = number(4);
  if (month < 1 || month > 12) return invalid("", "month " + std::to_string(month) + " does not exist");
  const auto year = expand_year(number(0), today.year());
  const std::chrono::year_month_day_last last{year, std::chrono::month_day_last{std::chrono::month(month)}};
  const int days_in_month = static_cast<int>(static_cast<unsigned>(last.day()));
  const std::string month_name = std::string(kMonthNames[month - 1]) + " " + std::to_string(static_cast<int>(year));
  if (day == 0) {
    if (day_zero == DayZero::kEndOfMonth) return std::chrono::year_month_day(last);
    return invalid("", "day 00 is not allowed here");
  }
  if (day > days_in_month) {
    return invalid("", month_name + " has " + std::to_string(days_in_month) + " days, not " + std::to_string(day));
  }
  return std::chrono::year_month_day{year, std::chrono::month(month), std::chrono::day(day)};
}

std::string iso_date(std::chrono::year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

std::chrono::year_month_day today_utc() {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

}  // namespace recount::gs1
