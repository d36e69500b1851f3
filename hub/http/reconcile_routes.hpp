// The reconciliation routes of the /api/v1 JSON API (docs/api.md): recount tasks, discrepancies
// with their transitions, positions and their history, read through reconcile::Queries.
#pragma once

#include <functional>

#include "hub/http/router.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
struct Task;
struct HistoryEntry;
}  // namespace reconcile

// What another component adds to a discrepancy's detail (the connected system's own figures of
// its report, docs/channels.md); an Error answers the request with it.
using DetailExtension = std::function<Result<void>(const reconcile::DiscrepancyDetail&, nlohmann::json& body)>;
// The same for each discrepancy a listing gives (GET /api/v1/discrepancies).
using ListExtension = std::function<Result<void>(const reconcile::Discrepancy&, nlohmann::json& body)>;

// Adds GET /api/v1/tasks[?site=&state=open|all], GET /api/v1/discrepancies (the console's queue:
// filters, sort and paging, see discrepancy_query.hpp), GET /api/v1/discrepancies/{id} (with its
// timeline and the caller's allowed actions), GET /api/v1/positions[?site=&sku=&after=&limit=]
// and GET /api/v1/positions/history?site=&location=&sku=[&lot=] to `router`. Ages are taken
// against `wall`. The handlers call `queries` on the thread that calls Router::handle, which must
// be the thread that runs the hub's writes (its io_context's). `queries` must outlive the router.
// `extend` and `extend_listed`, when set, add to each detail and each listed discrepancy.
void add_reconcile_routes(Router& router, reconcile::Queries& queries, const WallClock& wall,
                          const DetailExtension& extend = {}, const ListExtension& extend_listed = {});

// A discrepancy as the API shows it (docs/api.md), its age_ms taken at `now_ms`.
nlohmann::json discrepancy_json(const reconcile::Discrepancy& discrepancy, std::int64_t now_ms);

// One line of a position's history as GET /api/v1/positions/history and GET /api/v1/drift show it.
nlohmann::json history_entry_json(const reconcile::HistoryEntry& entry);

// A recount task as GET /api/v1/tasks shows it: what the device got, where the task stands, and
// its age_ms taken at `now_ms`.
nlohmann::json task_json(const reconcile::Task& task, std::int64_t now_ms);

}  // namespace recount::hub
