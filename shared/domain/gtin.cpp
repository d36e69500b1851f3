// GTIN check digits.
#include "shared/domain/gtin.hpp"

namespace recount {

char gtin_check_digit(std::string_view digits) {
  // Weights alternate 3,1,3,… starting from the digit next to the check digit.
  int sum = 0;
  int weight = 3;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

Result<std::string> normalize_gtin(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') return invalid("gtin", "must contain digits only");
  }
  if (text.size() != 8 && text.size() != 12 && text.size() != 13 && text.size() != 14) {
    return invalid("gtin", "must have 8, 12, 13 or 14 digits, not " + std::to_string(text.size()));
  }
  const char expected = gtin_check_digit(text.substr(0, text.size() - 1));
  if (text.back() != expected) {
    return invalid("gtin", std::string("check digit is ") + text.back() + ", expected " + expected);
  }
  return std::string(14 - text.size(), '0') + std::string(text);
}

bool is_valid_gtin(std::string_view text) { return normalize_gtin(text).has_value(); }

}  // namespace recount
