// AI pairing rules.
#include "shared/gs1/pairing_rules.hpp"

#include <algorithm>
#include <string>

#include "shared/gs1/ai_table.hpp"

namespace recount::gs1 {
namespace {

std::string list(const std::vector<std::string>& ais) {
  std::string text;
  for (const auto& ai : ais) text += (text.empty() ? "(" : ", (") + ai + ")";
  return text;
}

}  // namespace

Result<void> check_pairing_rules(const std::vector<Element>& elements) {
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto& element = elements[i];
    const std::string field = "(" + element.ai + ")";
    for (std::size_t j = 0; j < i; ++j) {
      if (elements[j].ai == element.ai && elements[j].value != element.value) {
        return invalid(field, "appears twice with different values");
      }
    }
    const auto* definition = find_ai(element.ai);
    if (definition == nullptr) continue;
    const auto others_match = [&](const std::string& pattern) {
      for (std::size_t j = 0; j < elements.size(); ++j) {
        if (j != i && matches_pattern(elements[j].ai, pattern)) return true;
      }
      return false;
    };
    for (const auto& group : definition->requires_one_of) {
      if (std::none_of(group.begin(), group.end(), others_match)) {
        return invalid(field, (group.size() == 1 ? "requires " : "requires one of ") + list(group));
      }
    }
    for (const auto& pattern : definition->excludes) {
      for (std::size_t j = 0; j < elements.size(); ++j) {
        // An exclusion pattern that matches the element's own AI ("310n" on 3103) rules out its
        // siblings (3102), not a repetition of the element itself.
        if (j != i && elements[j].ai != element.ai && matches_pattern(elements[j].ai, pattern)) {
          return invalid(field, "cannot appear together with (" + elements[j].ai + ")");
        }
      }
    }
  }
  return Ok{};
}

}  // namespace recount::gs1
