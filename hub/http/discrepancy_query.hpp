// The console queue's query parameters (docs/api.md, GET /api/v1/discrepancies): filters, sort
// and paging, checked and turned into a reconcile::DiscrepancyQuery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "hub/http/router.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// The most matches one page lists, and the deepest offset a page may start at: deeper pages
// walk an index entry by entry, so the bound keeps every page cheap.
inline constexpr std::int64_t kMaxDiscrepancyPage = 1000;
inline constexpr std::int64_t kMaxDiscrepancyOffset = 1'000'000;

// The query a request asks for, ages taken against `now_ms`. Without `limit` every match is
// listed (as before paging), with `limit` 1 to kMaxDiscrepancyPage. Errors: kInvalidInput naming
// the parameter (site, state, classification, reason, system, min_value_cents, max_value_cents,
// min_age_ms, max_age_ms, sort, limit, offset) and what it must be. Never throws.
Result<reconcile::DiscrepancyQuery> discrepancy_query_of(const Request& request, std::int64_t now_ms);

}  // namespace recount::hub
