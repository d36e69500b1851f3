// Bytes as hexadecimal digits and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace recount {

// Two lowercase hex digits per byte.
std::string to_hex(std::string_view bytes);

// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

// The bytes that `hex` (an even number of hex digits, either case) spells; nullopt for anything else.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace recount
