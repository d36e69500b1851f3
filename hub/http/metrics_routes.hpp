// Reconciliation metrics per site (docs/api.md, DESIGN §6): what finance reads — variance rate,
// write-off value, resolution time.
#pragma once

#include "hub/http/router.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
}  // namespace reconcile

// Adds GET /api/v1/metrics[?site=S][&from=MS][&to=MS] to `router`: Queries::metrics() over
// [from, to) in Unix ms (counts by event time, discrepancies by when they opened or closed),
// every site without `site`. 200 {"from_ms", "to_ms" (null: open-ended), "sites": [...]}; 400
// naming `site`, `from` or `to` for a bad site id, a time that is not a whole number of ms, or
// `to` not after `from`. The handler calls `queries` on the thread that calls Router::handle,
// which must be the thread that runs the hub's writes; `queries` must outlive the router.
void add_metrics_routes(Router& router, reconcile::Queries& queries);

}  // namespace recount::hub
