// The threshold what-if (docs/api.md, docs/investigation.md): what a candidate policy would have
// done to the last days of counts, beside the policy in force, before anyone saves it.
#pragma once

#include "hub/http/router.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub {

namespace reconcile {
class PolicyPreview;
class Queries;
}  // namespace reconcile

// Adds POST /api/v1/policy/what-if[?days=N][&site=S][&examples=K] to `router`, for viewers and
// up (it reads and changes nothing, so anyone who may read the policy may preview one). The body
// is a candidate policy document (docs/reconciliation.md), judged by `preview` over the counts
// of the last N days (1 … 366, default 30) before `wall`'s now, at one site or every site, with
// at most K examples (0 … 100, default 3) per change of outcome. 200 {"days", "since_ms", "site"
// (null: every site), "policy_in_force": {"version"}, "counts", "changed", "current",
// "candidate", "rows", "examples"}; 400 naming the member of the document ("body" when it is
// not one), `days`, `site` or `examples`. Handlers run on the thread that calls Router::handle,
// which must run the hub's writes; `preview` and `queries` must outlive the router.
void add_what_if_routes(Router& router, reconcile::PolicyPreview& preview, reconcile::Queries& queries, WallClock wall);

}  // namespace recount::hub
