// Parsing the queue's parameters: each one checked on its own, then the pairs against each other.
#include "hub/http/discrepancy_query.hpp"

#include <limits>
#include <string>
#include <string_view>

#include "shared/domain/event.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using reconcile::DiscrepancySort;
using reconcile::DiscrepancyState;
using reconcile::SortOrder;
using reconcile::StateFilter;

// Values and ages beyond this are not amounts anyone means; the bound keeps now − age in range.
constexpr std::int64_t kMaxAmount = std::int64_t{1} << 53;

constexpr DiscrepancyState kAllStates[] = {
    DiscrepancyState::kOpen,      DiscrepancyState::kRecountRequested, DiscrepancyState::kRecounted,
    DiscrepancyState::kConfirmed, DiscrepancyState::kAwaitingApproval, DiscrepancyState::kAwaitingReview,
    DiscrepancyState::kAdjusted,  DiscrepancyState::kClosed,
};

const std::string* text_parameter(const Request& request, const std::string& name) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? nullptr : &found->second;
}

Result<std::optional<std::int64_t>> optional_integer(const Request& request, const std::string& name) {
  if (!text_parameter(request, name)) return std::optional<std::int64_t>();
  auto value = request.integer(name, 0, 0, kMaxAmount);
  if (!value) return value.error();
  return std::optional<std::int64_t>(*value);
}

std::string state_names() {
  std::string names;
  for (const DiscrepancyState state : kAllStates) names += ", " + std::string(reconcile::to_string(state));
  return names;
}

// "open" alone is every state but closed (the queue's default); so is a list only in name:
// within a comma list, open is the state.
Result<void> read_state(const std::string& text, reconcile::DiscrepancyQuery& query) {
  if (text == "open" || text == "all" || text == "closed") {
    query.filter = text == "open" ? StateFilter::kActive : text == "all" ? StateFilter::kAll : StateFilter::kClosed;
    return {};
  }
  query.filter = StateFilter::kAll;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    const auto state = reconcile::parse_discrepancy_state(name);
    if (!state) {
      return invalid("state", "must be open, all, closed or a comma list of states (" + state_names().substr(2) +
                                  "); got '" + std::string(name) + "'");
    }
    query.states.push_back(*state);
    if (comma == std::string_view::npos) return {};
    rest.remove_prefix(comma + 1);
  }
}

Result<void> read_sort(const std::string& text, reconcile::DiscrepancyQuery& query) {
  const bool descending = text.starts_with('-');
  const std::string_view key = std::string_view(text).substr(descending ? 1 : 0);
  query.order = descending ? SortOrder::kDescending : SortOrder::kAscending;
  if (key == "opened") {
    query.sort = DiscrepancySort::kOpened;
  } else if (key == "age") {
    // The oldest is the first opened: age ascending is opening time descending.
    query.sort = DiscrepancySort::kOpened;
    query.order = descending ? SortOrder::kAscending : SortOrder::kDescending;
  } else if (key == "value") {
    query.sort = DiscrepancySort::kValue;
  } else if (key == "updated") {
    query.sort = DiscrepancySort::kUpdated;
  } else if (key == "site") {
    query.sort = DiscrepancySort::kSite;
  } else {
    return invalid("sort",
                   "must be opened, value, age, updated or site, with - before it for descending; got '" + text + "'");
  }
  return {};
}

Result<void> read_names(const Request& request, reconcile::DiscrepancyQuery& query) {
  if (const auto* site = text_parameter(request, "site")) {
    if (auto ok = validate_identifier("site", *site); !ok) return ok.error();
    query.site = *site;
  }
  if (const auto* state = text_parameter(request, "state")) {
    if (auto ok = read_state(*state, query); !ok) return ok.error();
  }
  if (const auto* classification = text_parameter(request, "classification")) {
    query.classification = reconcile::parse_classification(*classification);
    if (!query.classification) {
      return invalid("classification", "must be variance, uom_error or ambiguous; got '" + *classification + "'");
    }
  }
  if (const auto* reason = text_parameter(request, "reason")) {
    query.reason = parse_reason_code(*reason);
    if (!query.reason)
      return invalid("reason", "must be a reason code such as damage or shrinkage; got '" + *reason + "'");
  }
  if (const auto* system = text_parameter(request, "system")) {
    if (auto ok = validate_identifier("system", *system); !ok) {
      return invalid("system", "must be a system such as warehouse, fba or shopify; got '" + *system + "'");
    }
    query.system = *system;
  }
  if (const auto* sort = text_parameter(request, "sort")) {
    if (auto ok = read_sort(*sort, query); !ok) return ok.error();
  }
  return {};
}

Result<void> read_ranges(const Request& request, std::int64_t now_ms, reconcile::DiscrepancyQuery& query) {
  auto min_value = optional_integer(request, "min_value_cents");
  if (!min_value) return min_value.error();
  auto max_value = optional_integer(request, "max_value_cents");
  if (!max_value) return max_value.error();
  if (*min_value && *max_value && **max_value < **min_value) {
    return invalid("max_value_cents", "must be at least min_value_cents (" + std::to_string(**min_value) + ")");
  }
  query.min_value_cents = *min_value;
  query.max_value_cents = *max_value;
  auto min_age = optional_integer(request, "min_age_ms");
  if (!min_age) return min_age.error();
  auto max_age = optional_integer(request, "max_age_ms");
  if (!max_age) return max_age.error();
  if (*min_age && *max_age && **max_age < **min_age) {
    return invalid("max_age_ms", "must be at least min_age_ms (" + std::to_string(**min_age) + ")");
  }
  if (*min_age) query.opened_through_ms = now_ms - **min_age;
  if (*max_age) query.opened_from_ms = now_ms - **max_age;
  return {};
}

}  // namespace

Result<reconcile::DiscrepancyQuery> discrepancy_query_of(const Request& request, std::int64_t now_ms) {
  reconcile::DiscrepancyQuery query;
  if (auto ok = read_names(request, query); !ok) return ok.error();
  if (auto ok = read_ranges(request, now_ms, query); !ok) return ok.error();
  if (text_parameter(request, "limit")) {
    auto limit = request.integer("limit", 0, 1, kMaxDiscrepancyPage);
    if (!limit) return limit.error();
    query.limit = static_cast<std::size_t>(*limit);
  }
  auto offset = request.integer("offset", 0, 0, kMaxDiscrepancyOffset);
  if (!offset) return offset.error();
  query.offset = static_cast<std::size_t>(*offset);
  return query;
}

}  // namespace recount::hub
