// Validation of the names that identify sites, devices, locations, SKUs and lots.
#pragma once

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

}  // namespace recount
