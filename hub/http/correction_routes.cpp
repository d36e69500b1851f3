// Corrections routes.
#include "hub/http/correction_routes.hpp"

#include <string>
#include <utility>

#include "hub/delivery/attempt_log.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json time_or_null(std::int64_t ms) { return ms == 0 ? Json(nullptr) : Json(ms); }

}  // namespace

Json correction_json(const channels::CorrectionRecord& record) {
  const channels::Correction& correction = record.correction;
  const bool pending = record.state == channels::CorrectionState::kPending;
  return {{"id", record.id},
          {"system", correction.system},
          {"site", correction.site},
          {"location", correction.system_location},
          {"sku", correction.sku},
          {"on_hand", correction.on_hand},
          {"discrepancy", time_or_null(correction.discrepancy_id)},
          {"cause", correction.cause},
          {"state", channels::to_string(record.state)},
          {"attempts", record.attempts},
          {"last_error", record.last_error},
          {"idempotency_key", record.idempotency_key},
          {"created_ms", record.created_ms},
          {"updated_ms", record.updated_ms},
          {"next_attempt_ms", pending ? Json(record.next_attempt_ms) : Json(nullptr)},
          {"file_ms", time_or_null(record.file_ms)},
          {"webhook_ms", time_or_null(record.webhook_ms)},
          {"delivered_ms", time_or_null(record.delivered_ms)},
          {"closed_ms", time_or_null(record.closed_ms)},
          {"superseded_by", time_or_null(record.superseded_by)}};
}

Json attempts_json(const std::vector<delivery::Attempt>& attempts) {
  Json listed = Json::array();
  for (const auto& attempt : attempts) {
    listed.push_back({{"channel", attempt.channel},
                      {"target", attempt.target},
                      {"started_ms", attempt.started_ms},
                      {"finished_ms", attempt.finished_ms},
                      {"status", attempt.status == 0 ? Json(nullptr) : Json(attempt.status)},
                      {"outcome", attempt.outcome},
                      {"error", attempt.error}});
  }
  return listed;
}

void add_correction_routes(Router& router, Ledger& ledger, HubWriter& writer, std::function<void()> retried) {
  router.add("GET", "/api/v1/corrections", auth::Role::kViewer, [&ledger](const Request& request) {
    channels::CorrectionFilter filter;
    if (const auto found = request.query.find("system"); found != request.query.end()) filter.system = found->second;
    if (const auto found = request.query.find("state"); found != request.query.end()) {
      filter.state = channels::parse_correction_state(found->second);
      if (!filter.state) {
        return Response::error(400, "invalid_input",
                               "state: must be pending, delivered, confirmed, reopened, failed or superseded (got '" +
                                   found->second + "')");
      }
    }
    auto limit = request.integer("limit", 100, 1, 1000);
    if (!limit) return Response::from(limit.error());
    filter.limit = static_cast<std::size_t>(*limit);
    auto corrections = channels::list_corrections(ledger.database(), filter);
    if (!corrections) return Response::from(corrections.error());
    Json listed = Json::array();
    for (const auto& record : *corrections) listed.push_back(correction_json(record));
    return Response::json(200, {{"corrections", std::move(listed)}});
  });
  router.add("GET", "/api/v1/corrections/{id}", auth::Role::kViewer, [&ledger](const Request& request) {
    auto id = request.path_integer("id", "a correction id");
    if (!id) return Response::from(id.error());
    auto found = channels::find_correction(ledger.database(), *id);
    if (!found) return Response::from(found.error());
    if (!*found) return Response::error(404, "not_found", "no correction has the id " + std::to_string(*id));
    auto attempts = delivery::list_attempts(ledger.database(), "correction", *id);
    if (!attempts) return Response::from(attempts.error());
    Json body = correction_json(**found);
    body["delivery_attempts"] = attempts_json(*attempts);
    return Response::json(200, body);
  });
  router.add("POST", "/api/v1/corrections/{id}/retry", auth::Role::kCounterLead,
             [&writer, retried = std::move(retried)](const Request& request) {
               auto id = request.path_integer("id", "a correction id");
               if (!id) return Response::from(id.error());
               std::optional<channels::CorrectionRecord> queued;
               auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
                 auto record = channels::retry_correction(write, *id, request.principal->name, now_ms);
                 if (!record) return record.error();
                 queued = std::move(*record);
                 return reconcile::Effects{};
               });
               if (!written) return Response::from(written.error());
               if (retried) retried();
               return Response::json(200, correction_json(*queued));
             });
}

}  // namespace recount::hub
