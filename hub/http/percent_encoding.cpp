// %XX escapes in and out.
#include "hub/http/percent_encoding.hpp"

#include "shared/core/hex.hpp"

namespace recount::hub {
namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

Result<std::string> percent_decode(std::string_view field, std::string_view text, PercentPart part) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      const int high = i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
      const int low = high >= 0 ? hex_digit_value(text[i + 2]) : -1;
      if (low < 0) return invalid(std::string(field), "has a % not followed by two hex digits");
      decoded.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (text[i] == '+' && part == PercentPart::kQuery) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    if (unreserved(c)) {
      encoded.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded += {'%', kHex[byte >> 4], kHex[byte & 0xF]};
    }
  }
  return encoded;
}

}  // namespace recount::hub
