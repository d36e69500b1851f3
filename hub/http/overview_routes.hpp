// The console's overview (docs/api.md, GET /api/v1/overview): open discrepancies by state and
// age, value at risk, the four measures as trends, and the fleet's health with the ingest lag.
#pragma once

#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
}  // namespace reconcile

// Adds GET /api/v1/overview[?site=S] (viewer) to `router`: Queries::overview() as of `wall`, and
// the fleet from the ledger's devices (those of S only with `site`). The ingest lag is now − when
// the hub stored the oldest event reconciliation has not applied yet, 0 when it has applied them
// all. 400 naming `site` for a bad site id. The handler runs on the thread that runs the hub's
// writes; `queries` and `ledger` must outlive the router.
void add_overview_routes(Router& router, reconcile::Queries& queries, Ledger& ledger, WallClock wall);

}  // namespace recount::hub
