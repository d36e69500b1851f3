// Random identifiers: journal epochs and event ids (UUIDv7, time-ordered for tracing).
#pragma once

#include <cstdint>
#include <string>

namespace recount {

// 16 lowercase hex digits from the operating system's random source.
std::string random_epoch();

// A UUIDv7 string (RFC 9562): 48-bit Unix milliseconds, then random bits.
std::string uuid_v7(std::int64_t unix_ms);

bool is_epoch(const std::string& text);
bool is_uuid(const std::string& text);

}  // namespace recount
