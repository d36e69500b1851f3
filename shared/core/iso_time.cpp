// ISO-8601 date-times to Unix milliseconds.
#include "shared/core/iso_time.hpp"

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

namespace recount {
namespace {

// `count` decimal digits at text[at…], or nullopt.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Result<std::int64_t> parse_iso8601_ms(std::string_view field, std::string_view text) {
  const auto shape = [&] {
    return invalid(
        std::string(field),
        "'" + std::string(text) + "' is not an ISO-8601 time with an offset, such as 2026-11-01T06:00:00+01:00");
  };
  // YYYY-MM-DDTHH:MM:SS is 19 characters; the offset needs at least one more.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return shape();
  }
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return shape();
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (text[at] == '.') {
    const std::size_t first = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    const std::size_t count = at - first;
    if (count == 0 || count > 9) return shape();
    for (std::size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < count ? text[first + i] - '0' : 0);
  }
  std::int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const auto offset_hour = digits(text, at + 1, 2);
    const auto offset_minute = at + 3 < text.size() && text[at + 3] == ':' ? digits(text, at + 4, 2) : std::nullopt;
    if (!offset_hour || !offset_minute) return shape();
    if (*offset_hour > 23 || *offset_minute > 59) {
      return invalid(std::string(field), "'" + std::string(text) + "' has an offset beyond ±23:59");
    }
    offset_minutes = (std::int64_t{*offset_hour} * 60 + *offset_minute) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return shape();
  }
  if (at != text.size()) return shape();

  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) {
    return invalid(std::string(field), "'" + std::string(text) + "' names a date or time that does not exist");
  }
  const std::int64_t unix_ms = duration_cast<milliseconds>(sys_days{date}.time_since_epoch()).count() +
                               ((*hour * 60LL + *minute - offset_minutes) * 60 + *second) * 1000 + millis;
  if (unix_ms < 0) return invalid(std::string(field), "'" + std::string(text) + "' is before 1970");
  return unix_ms;
}

}  // namespace recount

namespace recount {

std::string format_utc(std::int64_t unix_ms, const char* format) {
  const std::time_t seconds = unix_ms / 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof text, format, &parts);
  return std::string(text, length);
}

}  // namespace recount
