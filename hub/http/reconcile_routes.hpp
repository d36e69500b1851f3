// The reconciliation routes of the /api/v1 JSON API (docs/api.md): recount tasks, discrepancies
// with their transitions, positions and their history, read through reconcile::Queries.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/discrepancy.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
struct Task;
}  // namespace reconcile

// Adds GET /api/v1/tasks[?site=], GET /api/v1/discrepancies?state=open|all,
// GET /api/v1/discrepancies/{id}, GET /api/v1/positions[?site=&sku=&after=&limit=] and
// GET /api/v1/positions/history?site=&location=&sku=[&lot=] to `router`. The
// handlers call `queries` on the thread that calls Router::handle, which must be the thread that
// runs the hub's writes (its io_context's). `queries` must outlive the router.
void add_reconcile_routes(Router& router, reconcile::Queries& queries);

// A discrepancy as the API shows it (docs/api.md).
nlohmann::json discrepancy_json(const reconcile::Discrepancy& discrepancy);

// A recount task as GET /api/v1/tasks shows it: what the device got, and where the task stands.
nlohmann::json task_json(const reconcile::Task& task);

}  // namespace recount::hub
