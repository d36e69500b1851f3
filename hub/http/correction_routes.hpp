// The corrections routes (docs/api.md, "Corrections"): GET /api/v1/corrections (what the hub
// told, or must still tell, each connected system), GET /api/v1/corrections/{id} (with every
// delivery attempt) and POST /api/v1/corrections/{id}/retry (queue a failed one again).
#pragma once

#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/channels/outbox/corrections.hpp"
#include "hub/delivery/attempt_log.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// A correction as the API shows it: {"id","system","site","location","sku","on_hand",
// "discrepancy" (null: none),"cause","state","attempts","last_error","idempotency_key",
// "created_ms","updated_ms","next_attempt_ms","file_ms","webhook_ms","delivered_ms","closed_ms",
// "superseded_by"} (times and superseded_by null when not yet).
nlohmann::json correction_json(const channels::CorrectionRecord& record);

// Delivery attempts as the API shows them (corrections', alerts'): [{"channel","target",
// "started_ms","finished_ms","status" (null: none),"outcome","error"}…].
nlohmann::json attempts_json(const std::vector<delivery::Attempt>& attempts);

// Adds the routes. GET (viewer) takes ?system=S, ?state=pending|delivered|confirmed|reopened|
// failed|superseded and ?limit=1..1000 (100) and answers {"corrections":[correction…]}, newest
// first; GET {id} answers the correction with "delivery_attempts":[{"channel","target",
// "started_ms","finished_ms","status","outcome","error"}…]. POST {id}/retry (counter lead)
// queues a failed correction again as the token's owner and calls `retried` (the outbox looks at
// once). Refusals name the parameter: 400 invalid_input (state, limit, id), 404 not_found, 409
// conflict (not failed). `ledger` and `writer` must outlive the router; handlers run on the
// io_context's thread.
void add_correction_routes(Router& router, Ledger& ledger, HubWriter& writer, std::function<void()> retried);

}  // namespace recount::hub
