// The operator's decision on a discrepancy (docs/api.md): POST /api/v1/discrepancies/{id}/resolve.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/operations.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
}  // namespace reconcile

// Adds POST /api/v1/discrepancies/{id}/resolve with a JSON body {"action": "approve" | "reject" |
// "write-off", "reason": a reason code, "operator": a login}, carried out through `writer`
// (Operations::resolve, its adjustment and audit in one transaction, task lists published after).
// Answers 200 {"discrepancy": …} as it stands afterwards; 400 naming the field for a bad id or
// body; 404 when there is no such discrepancy; 409 when the action is not allowed in its state or
// there is nothing left to adjust. The discrepancy is read through `queries` (its value, for the
// token's approval limit, and the answer). The handler runs on the caller's (the io_context's)
// thread; `writer`, `operations` and `queries` must outlive the router.
void add_resolve_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                        reconcile::Queries& queries);

}  // namespace recount::hub
