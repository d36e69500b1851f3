// ISO-8601 date-times with an explicit offset (RFC 3339), as import files carry them: the one
// place that turns such text into Unix milliseconds. Untrusted input: nothing here throws. And
// the UTC text of a time, for names and screens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount {

// Parses "2026-11-01T06:00:00+01:00", "2026-11-01T05:00:00Z" or with a fraction of a second
// ("…:00.250Z", up to 9 digits; below a millisecond is dropped) into Unix milliseconds. Refused
// (kInvalidInput naming `field`): any other shape, a date or time that does not exist (Feb 30,
// 24:00, leap second 60), an offset beyond ±23:59, a time before 1970.
Result<std::int64_t> parse_iso8601_ms(std::string_view field, std::string_view text);

// `unix_ms` in UTC as strftime writes it with `format` (at most 63 characters of output; "" if
// longer), e.g. "%H:%M:%S".
std::string format_utc(std::int64_t unix_ms, const char* format);

}  // namespace recount
