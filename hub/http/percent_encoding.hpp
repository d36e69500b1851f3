// Percent-encoding (RFC 3986 §2.1) of URL parts, and of the codes in a position's text form.
#pragma once

#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

// In a query, '+' is a space too (HTML forms write it so); in a path or a position it is a '+'.
enum class PercentPart { kPath, kQuery };

// Decodes %XX escapes. Errors: kInvalidInput naming `field` for a % not followed by two hex
// digits. Pure, thread-safe.
Result<std::string> percent_decode(std::string_view field, std::string_view text, PercentPart part);

// Escapes every byte except the unreserved ones (letters, digits, "-._~"), so the result is safe
// as a query value or a path segment. Pure, thread-safe.
std::string percent_encode(std::string_view text);

}  // namespace recount::hub
