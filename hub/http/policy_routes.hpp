// The reconciliation's own settings and upkeep (docs/api.md): the tolerance policy in force,
// putting a new one in force, and verifying the projections against the movements.
#pragma once

#include "hub/http/router.hpp"
#include "hub/reconcile/operations.hpp"
#include "hub/reconcile/policy.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

namespace reconcile {
class Queries;
}  // namespace reconcile

// The request's body as a policy document (reconcile::parse_policy): kInvalidInput naming the
// member, or "body" when the body is not JSON or not an object.
Result<reconcile::Policy> policy_in_body(const Request& request);

// Adds to `router`:
// - GET /api/v1/policy (read through `queries`): 200 {"version", "set_ms", "set_by", "policy"}; the built-in default
// has
//   version 0 and null set_ms and set_by. 500 (corrupt) when the stored document no longer parses.
// - PUT /api/v1/policy?operator=LOGIN[&reevaluate=true]: the body is a policy document
//   (docs/reconciliation.md), put in force through `writer` (audited as set by "operator LOGIN");
//   with reevaluate=true every count is re-judged under it in the same transaction. 200 as GET
//   plus "reevaluation" (null without reevaluate); 400 naming the field (a member of the document,
//   "body", "operator" or "reevaluate") and nothing changed.
// - POST /api/v1/reconcile/verify: Operations::verify_projections() through `writer`; 200
//   {"reevaluation": …} with what it repaired, which is audited (kind reconcile.verify) when
//   anything was.
// Writes go through `operations` inside `writer`. The handlers run on the caller's (the
// io_context's) thread; `writer`, `operations` and `queries` must outlive the router.
void add_policy_routes(Router& router, HubWriter& writer, reconcile::Operations& operations,
                       reconcile::Queries& queries);

}  // namespace recount::hub
