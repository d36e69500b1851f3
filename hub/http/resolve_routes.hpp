// The operator's decision on a discrepancy (docs/api.md): POST /api/v1/discrepancies/{id}/resolve.
#pragma once

#include <vector>

#include "hub/http/router.hpp"
#include "hub/reconcile/discrepancy.hpp"
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
// body; 403 when the token's role or approval limit does not allow the action; 404 when there is
// no such discrepancy; 409 when the action is not allowed in its state or there is nothing left
// to adjust. The discrepancy is read through `queries` (its value, for the token's approval
// limit, and the answer).
// Adds POST /api/v1/discrepancies/resolve with {"ids": [...], "action", "reason"}: each id (at
// most 500) decided on its own, in its own transaction, as the single route would; 200
// {"results": [{"id", "ok": true, "discrepancy"} | {"id", "ok": false, "error": {"code",
// "message"}}]} in the order of `ids`, 400 naming the member for a bad body.
// Ages in the answers are taken against `wall`. The handlers run on the caller's (the
// io_context's) thread; `writer`, `operations` and `queries` must outlive the router.
void add_resolve_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                        reconcile::Queries& queries, const WallClock& wall);

// The resolve actions (approve, write-off, reject, in that order) that `principal` may take on
// `discrepancy` as it stands: its state allows them and the token's role and approval limit do.
std::vector<reconcile::OperatorAction> allowed_actions(const auth::Principal& principal,
                                                       const reconcile::Discrepancy& discrepancy);

}  // namespace recount::hub
