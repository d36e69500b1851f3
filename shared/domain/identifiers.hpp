// Validation of the names that identify sites, devices, locations, SKUs and lots.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount {

// Site and device ids appear in MQTT topics: 1..64 of [A-Za-z0-9_-].
Result<void> validate_identifier(std::string_view field, std::string_view text);

// Codes (location, SKU, lot, user, serial, reference): 1..max_length bytes of valid UTF-8 without
// control characters and without leading or trailing spaces. `optional` lets an empty string pass.
enum class Presence { kRequired, kOptional };
Result<void> validate_code(std::string_view field, std::string_view text, std::size_t max_length,
                           Presence presence = Presence::kRequired);

bool is_valid_utf8(std::string_view text);

// The offset of the first byte of the first sequence in `text` that is not UTF-8 (a stray
// continuation byte, a truncated, overlong or surrogate sequence, a point past U+10FFFF), or
// nullopt when all of `text` is UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace recount
