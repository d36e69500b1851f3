// Conflicts (docs/api.md): different events a device sent at a seq the hub had already stored,
// listed for review and marked reviewed.
#pragma once

#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// Adds GET /api/v1/conflicts (query: device, after, limit; {"conflicts": [...], "next_after"})
// and POST /api/v1/conflicts/{id}/review with a JSON body {"operator": a login}, which marks the
// conflict reviewed and audits it as "sync.conflict_reviewed" through `writer`; reviewing one
// again keeps the first review. Answers 200 {"conflict": …}; 400 naming the field for a bad id
// or body; 404 for an unknown id. Unreviewed conflicts keep GET /api/v1/health at 503. Handlers
// run on the io_context's thread; `ledger` and `writer` must outlive the router.
void add_conflict_routes(Router& router, Ledger& ledger, HubWriter& writer);

}  // namespace recount::hub
