// GTIN-8/12/13/14 check digits and normalisation to GTIN-14, the form the catalog stores.
#pragma once

#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount {

// The GS1 mod-10 check digit for a string of digits without its check digit.
// Precondition: `digits` holds only '0'..'9'.
char gtin_check_digit(std::string_view digits);

// True when `text` is 8, 12, 13 or 14 digits whose last digit is the right check digit.
bool is_valid_gtin(std::string_view text);

// Left-pads a valid GTIN-8/12/13/14 with zeros to 14 digits. Errors name what is wrong:
// a non-digit, a length that is no GTIN, or a wrong check digit (with the expected one).
Result<std::string> normalize_gtin(std::string_view text);

}  // namespace recount
