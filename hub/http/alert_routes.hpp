// The alerts routes (docs/api.md, "Alerts"): GET /api/v1/alerts (what the policy's alert rules
// raised), GET /api/v1/alerts/{id} (with its deliveries and every attempt) and
// POST /api/v1/alerts/{id}/ack (a person acknowledges it).
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "hub/alerts/alert_store.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// An alert as the API shows it: {"id","rule","kind","subject","site","summary","state",
// "raised_ms","acked_by" (null while open),"acked_ms" (null while open),"idempotency_key"}.
nlohmann::json alert_json(const alerts::Alert& alert);

// Adds the routes. GET (viewer) takes ?state=open|acknowledged, ?site=S and ?limit=1..1000 (100)
// and answers {"alerts":[alert…]}, newest first; GET {id} answers the alert with
// "deliveries":[{"channel","target","state","attempts","next_attempt_ms","last_error",
// "delivered_ms"}…] and "delivery_attempts":[…] (attempts_json). POST {id}/ack (counter lead,
// who may resolve discrepancies) acknowledges it as the token's owner, audited, and calls
// `acknowledged` with it. Refusals name the parameter: 400 invalid_input (state, limit, id),
// 404 not_found, 409 conflict (acknowledged already). `ledger` and `writer` must outlive the
// router; handlers run on the io_context's thread.
void add_alert_routes(Router& router, Ledger& ledger, HubWriter& writer,
                      std::function<void(const alerts::Alert&)> acknowledged);

}  // namespace recount::hub
