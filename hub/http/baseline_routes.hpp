// The baseline import route of the /api/v1 JSON API (docs/api.md): POST /api/v1/import/baseline.
#pragma once

#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// Adds POST /api/v1/import/baseline: the body is the CSV file (import_baselines()), read as
// import_options() says (400 naming a bad `delimiter` or `encoding`). Answers 200
// {"kind":"baseline","rows","stored","unchanged","delimiter","encoding"}, or 422 as rejected_import() when the file was
// rejected. The handler runs on the caller's (the io_context's) thread; `writer` and `ledger`
// must outlive the router.
void add_baseline_routes(Router& router, HubWriter& writer, Ledger& ledger);

}  // namespace recount::hub
