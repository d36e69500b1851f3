// Component-by-component validation of AI values.
#include "shared/gs1/validation.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "shared/domain/gtin.hpp"
#include "shared/gs1/dates.hpp"

namespace recount::gs1 {
namespace {

// GS1 General Specifications, figure 7.11-1.
constexpr std::string_view kCset82Punctuation = "!\"%&'()*+,-./:;<=>?_";
// The same 82 characters in the order that gives each its value in the check character pair
// calculation (GS1 General Specifications 7.9.5), and the 32 characters a check pair is written in.
constexpr std::string_view kCset82InOrder =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kCset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
// Weights of the data characters from the right: the primes, as far as the longest value needs.
constexpr std::array<int, 30> kCheckPairPrimes = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31,  37,  41,  43,  47,
                                                  53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

bool in_charset(char c, CharacterSet charset) {
  switch (charset) {
    case CharacterSet::kNumeric: return is_digit(c);
    case CharacterSet::kCset82:
      return is_digit(c) || is_upper(c) || is_lower(c) || kCset82Punctuation.find(c) != std::string_view::npos;
    case CharacterSet::kCset39: return is_digit(c) || is_upper(c) || c == '#' || c == '-' || c == '/';
  }
  return false;
}

const char* charset_name(CharacterSet charset) {
  switch (charset) {
    case CharacterSet::kNumeric: return "a digit";
    case CharacterSet::kCset82: return "in GS1 character set 82";
    case CharacterSet::kCset39: return "in GS1 character set 39";
  }
  return "allowed";
}

std::string describe_character(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7f) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
  }
  return std::string("'") + c + "'";
}

std::string length_rule(const Component& component) {
  const std::string unit = component.charset == CharacterSet::kNumeric ? " digits" : " characters";
  if (component.min_length == component.max_length) return std::to_string(component.max_length) + unit;
  return std::to_string(component.min_length) + " to " + std::to_string(component.max_length) + unit;
}

int two_digits(std::string_view text, std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); }

// The check character pair of `data` (CSET 82 characters, at most kCheckPairPrimes.size()).
std::string check_pair(std::string_view data) {
  int sum = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto value = static_cast<int>(kCset82InOrder.find(data[i]));
    sum += value * kCheckPairPrimes[data.size() - 1 - i];
  }
  sum %= 1021;
  return {kCset32[static_cast<std::size_t>(sum >> 5)], kCset32[static_cast<std::size_t>(sum & 31)]};
}

// The content rule of one component; `part` already has the right length and character set.
Result<void> apply_check(Check check, std::string_view part, std::chrono::year_month_day today) {
  switch (check) {
    case Check::kNone: return Ok{};
    case Check::kCheckDigit: {
      const char expected = gtin_check_digit(part.substr(0, part.size() - 1));
      if (part.back() == expected) return Ok{};
      return invalid("", std::string("check digit is ") + part.back() + ", expected " + expected);
    }
    case Check::kDate:
    case Check::kDateOrEndOfMonth:
    case Check::kDateHour: {
      const auto day_zero = check == Check::kDateOrEndOfMonth ? DayZero::kEndOfMonth : DayZero::kInvalid;
      auto date = parse_date(part.substr(0, 6), day_zero, today);
      if (!date) return invalid("", "'" + std::string(part.substr(0, 6)) + "' is not a date: " + date.error().message);
      if (check == Check::kDateHour && two_digits(part, 6) > 23) {
        return invalid("", "hour " + std::string(part.substr(6, 2)) + " does not exist");
      }
      return Ok{};
    }
    case Check::kTime:
      if (two_digits(part, 0) > 23 || two_digits(part, 2) > 59) {
        return invalid("", "'" + std::string(part) + "' is not a time HHMM");
      }
      return Ok{};
    case Check::kMinutesSeconds:
      if ((part.size() != 2 && part.size() != 4) || two_digits(part, 0) > 59 ||
          (part.size() == 4 && two_digits(part, 2) > 59)) {
        return invalid("", "'" + std::string(part) + "' is not minutes MM or MMSS");
      }
      return Ok{};
    case Check::kZero:
      if (part == "0") return Ok{};
      return invalid("", "must be the digit 0, not " + describe_character(part.front()));
    case Check::kPieceOfTotal: {
      const int piece = two_digits(part, 0);
      const int total = two_digits(part, 2);
      if (piece >= 1 && piece <= total) return Ok{};
      return invalid("", "piece " + std::string(part.substr(0, 2)) + " of " + std::string(part.substr(2, 2)) +
                             " is not a piece of the total");
    }
    case Check::kNonZero:
      if (part.find_first_not_of('0') != std::string_view::npos) return Ok{};
      return invalid("", "must not be zero");
    case Check::kWinding:
      if (part == "0" || part == "1" || part == "9") return Ok{};
      return invalid("", "winding direction must be 0, 1 or 9, not " + std::string(part));
    case Check::kNoZeroPrefix:
      if (part == "0" || part.front() != '0') return Ok{};
      return invalid("", "must not start with 0");
    case Check::kCheckPair: {
      if (part.size() < 3 || part.size() - 2 > kCheckPairPrimes.size()) {
        return invalid("", "needs data and a check character pair, 3 to " +
                               std::to_string(kCheckPairPrimes.size() + 2) + " characters");
      }
      const auto expected = check_pair(part.substr(0, part.size() - 2));
      if (part.ends_with(expected)) return Ok{};
      return invalid("",
                     "check character pair is " + std::string(part.substr(part.size() - 2)) + ", expected " + expected);
    }
  }
  return Ok{};
}

// "1.250" from "001250" with 3 places.
std::string with_decimal_point(std::string_view digits, int places) {
  std::string text(digits);
  if (places > 0) {
    if (static_cast<int>(text.size()) <= places)
      text.insert(0, static_cast<std::size_t>(places) + 1 - text.size(), '0');
    text.insert(text.size() - static_cast<std::size_t>(places), 1, '.');
  }
  const auto integer_end = places > 0 ? text.find('.') : text.size();
  const auto first_significant = text.find_first_not_of('0');
  const auto keep_from = std::min(first_significant, integer_end - 1);
  return text.substr(keep_from);
}

}  // namespace

Result<Element> validate_element(std::string_view ai, const AiDefinition& definition, std::string_view value,
                                 std::chrono::year_month_day today) {
  const std::string field = "(" + std::string(ai) + ")";
  if (value.empty()) return invalid(field, "value is empty");
  const bool single = definition.components.size() == 1;
  std::size_t position = 0;
  std::string_view last_part;
  for (std::size_t index = 0; index < definition.components.size(); ++index) {
    const auto& component = definition.components[index];
    const std::size_t remaining = value.size() - position;
    if (remaining == 0 && component.optional) break;
    const std::string where = single ? ""
                                     : "part " + std::to_string(index + 1) + " (from character " +
                                           std::to_string(position + 1) + " of the value) ";
    const auto take = std::min(remaining, static_cast<std::size_t>(component.max_length));
    if (take < static_cast<std::size_t>(component.min_length)) {
      return invalid(field, where + "must have " + length_rule(component) + ", not " + std::to_string(take));
    }
    const auto part = value.substr(position, take);
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (!in_charset(part[i], component.charset)) {
        return invalid(field, describe_character(part[i]) + " at character " + std::to_string(position + i + 1) +
                                  " of the value is not " + charset_name(component.charset));
      }
    }
    if (auto checked = apply_check(component.check, part, today); !checked) {
      return invalid(field, where + checked.error().message);
    }
    position += take;
    last_part = part;
  }
  if (position < value.size()) {
    return invalid(field, "value is too long: " + std::to_string(value.size()) + " characters, at most " +
                              std::to_string(definition.max_length()));
  }

  Element element{std::string(ai), std::string(value), std::nullopt, std::nullopt};
  switch (definition.components.front().check) {
    case Check::kDate:
    case Check::kDateHour: element.date = *parse_date(value.substr(0, 6), DayZero::kInvalid, today); break;
    case Check::kDateOrEndOfMonth: element.date = *parse_date(value.substr(0, 6), DayZero::kEndOfMonth, today); break;
    default: break;
  }
  if (definition.implied_decimal) element.decimal = with_decimal_point(last_part, ai.back() - '0');
  return element;
}

}  // namespace recount::gs1
