// The reconciliation routes of the /api/v1 JSON API (docs/api.md): open recount tasks and
// discrepancies, read from the reconciler.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/reconciler.hpp"

namespace recount::hub {

// Adds GET /api/v1/tasks[?site=] and GET /api/v1/discrepancies?state=open|all to `router`. The
// handlers call `reconciler` on the thread that calls Router::handle, which must be its
// io_context's thread. `reconciler` must outlive the router.
void add_reconcile_routes(Router& router, reconcile::Reconciler& reconciler);

// A discrepancy as the API shows it (docs/api.md).
nlohmann::json discrepancy_json(const reconcile::Discrepancy& discrepancy);

}  // namespace recount::hub
