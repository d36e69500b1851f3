// The hub's JSON API, version 1 (docs/api.md): health, per-device sync stats, dead letters,
// stored events and the audit trail, read from the ledger.
#pragma once

#include "hub/http/router.hpp"
#include "hub/ingest/ingest.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

// Adds the /api/v1 routes to `router`. The handlers read `ledger`, `ingest` and `link` on the
// thread that calls Router::handle, which must be their io_context's thread (then a read never
// overlaps a commit). All three must outlive the router.
void add_api_routes(Router& router, Ledger& ledger, const Ingest& ingest, const mqtt::Link& link);

}  // namespace recount::hub
