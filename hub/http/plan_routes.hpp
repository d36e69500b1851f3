// The count plan routes of the /api/v1 JSON API (docs/api.md, docs/investigation.md "Count
// plans"): each plan with its positions and how many are due, overdue and done, and the due
// counts of a site.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/catalog_view.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
}  // namespace reconcile

// Adds to `router`, for viewers and up:
//   GET /api/v1/plans[?site=S]: 200 {"now_ms", "abc", "plans": [{"name", "sites", "abc",
//     "location_classes", "every_days", "owner", "start", "positions", "due", "overdue", "done"}]},
//     the counts over every site (or site S) as of now;
//   GET /api/v1/due[?site=S][&state=due|overdue|done|open][&limit=N]: 200 {"now_ms", "site",
//     "counts": [{"plan", "owner", "site", "location", "sku", "lot", "abc", "location_class",
//     "opened_ms", "due_ms", "state", "overdue", "counted_ms", "group_id"}], "total", "truncated"},
//     most overdue first; state defaults to open (due and overdue), limit (1-10000) to 1000.
// 400 naming the parameter. The plans are the policy's in force (`queries`); positions are read
// from `database` with `catalog`'s costs and location classes, on the thread that calls
// Router::handle, which must be the thread that runs the hub's writes; "now" is `wall`'s.
// Errors: kIo when the statements cannot be prepared. `database`, `catalog` and `queries` must
// outlive the router.
Result<void> add_plan_routes(Router& router, storage::Connection& database, const reconcile::CatalogView& catalog,
                             reconcile::Queries& queries, const WallClock& wall);

}  // namespace recount::hub
