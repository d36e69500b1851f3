// The drift origin route of the /api/v1 JSON API (docs/api.md, docs/investigation.md): where and
// when the ledger and the counts began to disagree for good, and what explains it.
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

// Adds GET /api/v1/drift?site=S[&sku=K[&location=L[&lot=T]]][&limit=N] (viewer) to `router`: a
// position with location (and sku), a SKU across the site's locations with sku alone, the whole
// site with neither; limit (1-1000, default 50) caps the positions returned. 200 with the report;
// 400 naming the parameter (a bad site, code or limit, location without sku); 404 not_found for
// a position the ledger has never seen. The handler reads `database` and asks `queries` for the
// policy's ambiguity window, on the thread that calls Router::handle, which must be the thread
// that runs the hub's writes; it takes "now" from `wall`. Errors: as DriftFinder::prepare (kIo).
// `database`, `catalog` and `queries` must outlive the router.
Result<void> add_drift_routes(Router& router, storage::Connection& database, const reconcile::CatalogView& catalog,
                              reconcile::Queries& queries, const WallClock& wall);

}  // namespace recount::hub
