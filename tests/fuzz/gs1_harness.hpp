// The checks of gs1_fuzz, shared with its corpus's regression test in the normal build: every input
// is parsed under each set of options the floor uses. Whatever parses must keep its promises: its
// raw form (and its bracketed form, where no value holds brackets) parses back to the same elements
// when it fits parse()'s input limit, and its typed accessors hold what they say.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "shared/domain/gtin.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::fuzz {

inline bool same_gs1_elements(const gs1::ElementString& a, const gs1::ElementString& b) {
  if (a.elements.size() != b.elements.size()) return false;
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (a.elements[i].ai != b.elements[i].ai || a.elements[i].value != b.elements[i].value) return false;
  }
  return true;
}

// "" when `input` is refused with a message or parses into elements that keep the promises above
// under `options`; else what broke.
inline std::string gs1_problem(std::string_view input, const gs1::ParseOptions& options) {
  const auto parsed = gs1::parse(input, options);
  if (!parsed) return parsed.error().message.empty() ? "an error without message" : "";
  if (parsed->elements.empty() && !parsed->plain_gtin) return "parsed to nothing";
  if (const auto gtin = parsed->gtin(); gtin && !is_valid_gtin(*gtin)) return "gtin() is no valid GTIN";
  if (parsed->elements.empty()) return {};

  gs1::ParseOptions plain = options;
  plain.identifier = gs1::IdentifierPolicy::kOptional;
  plain.extra_separators.clear();
  // A rendering can outgrow the input limit (brackets add two characters per element).
  if (parsed->hri().size() > gs1::kMaxInput) return {};
  const auto raw = gs1::parse(parsed->raw(), plain);
  if (!raw) return "raw form does not parse: " + raw.error().describe();
  if (!same_gs1_elements(*raw, *parsed)) return "raw form parses to other elements";
  for (const auto& element : parsed->elements) {
    if (element.value.find_first_of("()") != std::string::npos) return {};  // "(10)A(21)B" is ambiguous bracketed
  }
  const auto hri = gs1::parse(parsed->hri(), plain);
  if (!hri) return "bracketed form does not parse: " + hri.error().describe();
  if (!same_gs1_elements(*hri, *parsed)) return "bracketed form parses to other elements";
  return {};
}

// gs1_problem() under the defaults, then under the strictest options with "|" as a separator.
inline std::string gs1_problem(std::string_view input) {
  gs1::ParseOptions options;
  options.today = std::chrono::year_month_day{std::chrono::year(2026), std::chrono::month(1), std::chrono::day(1)};
  if (auto problem = gs1_problem(input, options); !problem.empty()) return problem;
  options.extra_separators = "|";
  options.identifier = gs1::IdentifierPolicy::kRequired;
  options.pairing = gs1::PairingRules::kEnforce;
  if (auto problem = gs1_problem(input, options); !problem.empty())
    return "with \"|\", identifier and pairing: " + problem;
  return {};
}

}  // namespace recount::fuzz
