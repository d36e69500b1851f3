// Identifier and code validation.
#include "shared/domain/identifiers.hpp"

#include "shared/domain/limits.hpp"

namespace recount {

Result<void> validate_identifier(std::string_view field, std::string_view text) {
  if (text.empty()) return invalid(std::string(field), "must not be empty");
  if (text.size() > limits::kMaxIdentifier) {
    return invalid(std::string(field), "longer than " + std::to_string(limits::kMaxIdentifier) + " characters");
  }
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return invalid(std::string(field), "may hold only letters, digits, '-' and '_'");
  }
  return {};
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, point = lead & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      point = (point << 6) | (next & 0x3F);
    }
    // Overlong encodings, surrogates and points past U+10FFFF are invalid UTF-8.
    const std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < minimum[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return i;
    i += length;
  }
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) { return !first_invalid_utf8(text).has_value(); }

Result<void> validate_code(std::string_view field, std::string_view text, std::size_t max_length, Presence presence) {
  const std::string name(field);
  if (text.empty()) {
    if (presence == Presence::kOptional) return {};
    return invalid(name, "must not be empty");
  }
  if (text.size() > max_length) return invalid(name, "longer than " + std::to_string(max_length) + " bytes");
  if (!is_valid_utf8(text)) return invalid(name, "is not valid UTF-8");
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return invalid(name, "contains a control character");
  }
  if (text.front() == ' ' || text.back() == ' ') return invalid(name, "has leading or trailing spaces");
  return {};
}

}  // namespace recount
