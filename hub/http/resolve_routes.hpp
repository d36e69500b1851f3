// The operator's decision on a discrepancy (docs/api.md): POST /api/v1/discrepancies/{id}/resolve.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// Adds POST /api/v1/discrepancies/{id}/resolve with a JSON body {"action": "approve" | "reject" |
// "write-off", "reason": a reason code, "operator": a login}, carried out through `writer`
// (Reconciler::resolve, its adjustment and audit in one transaction, task lists published after).
// Answers 200 {"discrepancy": …} as it stands afterwards; 400 naming the field for a bad id or
// body; 404 when there is no such discrepancy; 409 when the action is not allowed in its state or
// there is nothing left to adjust. The handler runs on the caller's (the io_context's) thread;
// `writer` and `reconciler` must outlive the router.
void add_resolve_routes(Router& router, HubWriter& writer, reconcile::Reconciler& reconciler);

}  // namespace recount::hub
