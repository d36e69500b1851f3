// GS1 six-digit dates (YYMMDD): the century rule of the GS1 General Specifications (section
// 7.12) and day 00, which means the last day of the month. All functions are thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::gs1 {

enum class DayZero { kInvalid, kEndOfMonth };

// The four-digit year of a two-digit GS1 year, relative to `today`: a year 51 to 99 years ahead
// of today's two-digit year belongs to the previous century, one 50 to 99 years behind it to the
// next century, any other to the current century. So in 2026, "99" is 1999 and "75" is 2075.
std::chrono::year expand_year(int two_digit_year, std::chrono::year today);

// Reads YYMMDD (exactly six digits). Errors name the rule broken: a non-digit, a month outside
// 01..12, or a day the month does not have (day 00 too, unless `day_zero` is kEndOfMonth).
Result<std::chrono::year_month_day> parse_date(std::string_view yymmdd, DayZero day_zero,
                                               std::chrono::year_month_day today);

// "2021-05-26".
std::string iso_date(std::chrono::year_month_day date);

// Today's date in UTC, from the system clock.
std::chrono::year_month_day today_utc();

}  // namespace recount::gs1
