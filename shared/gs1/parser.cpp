// The three GS1 notations and AIM symbology identifiers.
#include "shared/gs1/parser.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "shared/domain/gtin.hpp"
#include "shared/gs1/ai_table.hpp"
#include "shared/gs1/dates.hpp"
#include "shared/gs1/digital_link.hpp"
#include "shared/gs1/pairing_rules.hpp"
#include "shared/gs1/validation.hpp"

namespace recount::gs1 {
namespace {

constexpr char kGroupSeparator = '\x1d';

// What the data after an AIM symbology identifier (ISO/IEC 15424) is.
enum class Carries {
  kElementString,  // a GS1 element string (FNC1 in first position)
  kPlainGtin,      // the digits of an EAN/UPC or ITF symbol
  kLinkOnly,       // arbitrary data; GS1 data only as a Digital Link URI
};

struct Identifier {
  std::string_view text;
  Carries carries;
};

constexpr std::array<Identifier, 12> kIdentifiers = {{
    {"]C1", Carries::kElementString},  // GS1-128
    {"]d2", Carries::kElementString},  // GS1 DataMatrix
    {"]Q3", Carries::kElementString},  // GS1 QR Code
    {"]e0", Carries::kElementString},  // GS1 DataBar and composites
    {"]J1", Carries::kElementString},  // GS1 DotCode
    {"]E0", Carries::kPlainGtin},      // EAN-13, UPC-A (as 13 digits), UPC-E
    {"]E4", Carries::kPlainGtin},      // EAN-8
    {"]I0", Carries::kPlainGtin},      // ITF
    {"]I1", Carries::kPlainGtin},      // ITF with its check digit verified
    {"]Q1", Carries::kLinkOnly},       // QR Code
    {"]d1", Carries::kLinkOnly},       // Data Matrix
    {"]C0", Carries::kLinkOnly},       // Code 128
}};

// Input quoted in a message, with bytes that would garble a terminal shown as '?'.
std::string printable(std::string_view text) {
  std::string shown(text);
  for (auto& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return shown;
}

// Where in the input something is, for people: characters counted from 1.
Error at_character(Error error, std::size_t offset) {
  error.message += " (at character " + std::to_string(offset + 1) + ")";
  return error;
}

class Parser {
 public:
  explicit Parser(const ParseOptions& options) : options_(options), today_(options.today.value_or(today_utc())) {}

  Result<std::vector<Element>> raw(std::string_view data, std::size_t offset) const;
  Result<std::vector<Element>> hri(std::string_view text) const;
  Result<std::vector<Element>> link(std::string_view uri, std::size_t offset) const;

 private:
  bool is_separator(char c) const {
    return c == kGroupSeparator || options_.extra_separators.find(c) != std::string::npos;
  }
  Result<Element> element(std::string_view ai, std::string_view value, std::size_t offset) const {
    auto element = validate_element(ai, *find_ai(ai), value, today_);
    if (!element) {
      auto error = element.error();
      error.message += " (the value starts at character " + std::to_string(offset + 1) + ")";
      return error;
    }
    return element;
  }

  const ParseOptions& options_;
  std::chrono::year_month_day today_;
};

Result<std::vector<Element>> Parser::raw(std::string_view data, std::size_t offset) const {
  std::vector<Element> elements;
  std::size_t position = 0;
  while (true) {
    while (position < data.size() && is_separator(data[position])) ++position;
    if (position == data.size()) break;
    const auto match = match_ai(data.substr(position));
    if (!match) {
      return at_character(
          invalid("", "no GS1 Application Identifier starts with '" + printable(data.substr(position, 4)) + "'"),
          offset + position);
    }
    const auto value_start = position + match->ai.size();
    std::size_t value_end = 0;
    if (match->definition->predefined_length) {
      value_end = std::min(value_start + static_cast<std::size_t>(*match->definition->fixed_length()), data.size());
      for (auto i = value_start; i < value_end; ++i) {
        if (is_separator(data[i])) {
          return at_character(
              invalid("(" + std::string(match->ai) + ")",
                      "separator inside a value of fixed length " + std::to_string(*match->definition->fixed_length())),
              offset + i);
        }
      }
    } else {
      value_end = value_start;
      while (value_end < data.size() && !is_separator(data[value_end])) ++value_end;
    }
    auto next = element(match->ai, data.substr(value_start, value_end - value_start), offset + value_start);
    if (!next) return next.error();
    elements.push_back(std::move(*next));
    position = value_end;
  }
  if (elements.empty()) return at_character(invalid("", "no GS1 data"), offset);
  return elements;
}

// An AI in brackets at `position`: "(" digits ")". Returns the position of ")" or npos.
std::size_t bracketed_ai_end(std::string_view text, std::size_t position) {
  if (position >= text.size() || text[position] != '(') return std::string_view::npos;
  auto end = position + 1;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  if (end == position + 1 || end >= text.size() || text[end] != ')') return std::string_view::npos;
  return end;
}

Result<std::vector<Element>> Parser::hri(std::string_view text) const {
  std::vector<Element> elements;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto close = bracketed_ai_end(text, position);
    if (close == std::string_view::npos) {
      return at_character(invalid("", "expected an AI in brackets such as (01)"), position);
    }
    const auto ai = text.substr(position + 1, close - position - 1);
    if (ai.size() < 2 || ai.size() > 4 || find_ai(ai) == nullptr) {
      return at_character(invalid("(" + std::string(ai) + ")", "is not a GS1 Application Identifier"), position);
    }
    // A value runs to the next bracketed AI. Brackets with digits inside cannot start a value.
    auto value_end = close + 1;
    while (value_end < text.size() && bracketed_ai_end(text, value_end) == std::string_view::npos) ++value_end;
    auto next = element(ai, text.substr(close + 1, value_end - close - 1), close + 1);
    if (!next) return next.error();
    elements.push_back(std::move(*next));
    position = value_end;
  }
  return elements;
}

Result<std::vector<Element>> Parser::link(std::string_view uri, std::size_t offset) const {
  auto pairs = split_digital_link(uri);
  if (!pairs) return pairs.error();
  std::vector<Element> elements;
  for (const auto& pair : *pairs) {
    auto next = element(pair.ai, pair.value, offset + pair.position - 1);
    if (!next) return next.error();
    elements.push_back(std::move(*next));
  }
  return elements;
}

const Identifier* find_identifier(std::string_view text) {
  for (const auto& identifier : kIdentifiers) {
    if (identifier.text == text) return &identifier;
  }
  return nullptr;
}

Result<ElementString> with_elements(Result<std::vector<Element>> elements, std::string identifier,
                                    Fnc1 fnc1 = Fnc1::kNotApplicable) {
  if (!elements) return elements.error();
  return ElementString{std::move(identifier), std::move(*elements), std::nullopt, fnc1};
}

Result<ElementString> parse_raw(const Parser& parser, std::string_view text, const ParseOptions& options) {
  if (text.front() != ']') {
    if (options.identifier == IdentifierPolicy::kRequired && text.front() != kGroupSeparator) {
      return invalid("symbology_identifier", "GS1 data must start with ]C1, ]d2, ]Q3, ]e0, ]J1 or GS (FNC1)");
    }
    const auto fnc1 = text.front() == kGroupSeparator ? Fnc1::kFirstPosition : Fnc1::kMissing;
    return with_elements(parser.raw(text, 0), "", fnc1);
  }
  const auto* identifier = find_identifier(text.substr(0, 3));
  if (identifier == nullptr) {
    return invalid("symbology_identifier", "unknown symbology identifier '" + printable(text.substr(0, 3)) + "'");
  }
  std::string name(identifier->text);
  const auto data = text.substr(3);
  if (data.empty()) return invalid("", "no data after the symbology identifier " + name);
  if (identifier->carries == Carries::kPlainGtin) {
    if (auto gtin = normalize_gtin(data); !gtin) return gtin.error();
    return ElementString{std::move(name), {}, std::string(data), Fnc1::kNotApplicable};
  }
  if (is_uri(data)) return with_elements(parser.link(data, 3), std::move(name));
  if (identifier->carries == Carries::kLinkOnly) {
    return invalid("", name + " data is neither a GS1 element string nor a Digital Link URI");
  }
  return with_elements(parser.raw(data, 3), std::move(name), Fnc1::kFirstPosition);
}

}  // namespace

Result<ElementString> parse(std::string_view text, const ParseOptions& options) {
  if (text.empty()) return invalid("", "empty input");
  if (text.size() > kMaxInput) {
    return invalid(
        "", "input of " + std::to_string(text.size()) + " characters is longer than " + std::to_string(kMaxInput));
  }
  const Parser parser(options);
  auto parsed = text.front() == '(' ? with_elements(parser.hri(text), "")
                : is_uri(text)      ? with_elements(parser.link(text, 0), "")
                                    : parse_raw(parser, text, options);
  if (parsed && options.pairing == PairingRules::kEnforce) {
    if (auto paired = check_pairing_rules(parsed->elements); !paired) return paired.error();
  }
  return parsed;
}

}  // namespace recount::gs1
