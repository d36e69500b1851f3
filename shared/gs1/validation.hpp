// Validation of one AI's value against the AI table: character sets, lengths, check digits,
// dates and times. Used by every notation the parser reads.
#pragma once

#include <chrono>
#include <string_view>

#include "shared/core/result.hpp"
#include "shared/gs1/ai_table.hpp"
#include "shared/gs1/element_string.hpp"

namespace recount::gs1 {

// The element for `ai` (defined by `definition`) carrying `value`, with its date and decimal
// filled in; `today` anchors the century of two-digit years. Errors have field "(AI)" and a
// message naming the rule broken and, where it applies, the character of the value (counted
// from 1): an empty value, a character outside the component's set, a length outside the
// component's bounds, a wrong check digit (with the expected one), or an impossible date or
// time. Thread-safe.
Result<Element> validate_element(std::string_view ai, const AiDefinition& definition, std::string_view value,
                                 std::chrono::year_month_day today);

}  // namespace recount::gs1
