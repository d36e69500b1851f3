// Alerts routes.
#include "hub/http/alert_routes.hpp"

#include <string>
#include <utility>

#include "hub/delivery/attempt_log.hpp"
#include "hub/http/correction_routes.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json time_or_null(std::int64_t ms) { return ms == 0 ? Json(nullptr) : Json(ms); }

Json delivery_json(const alerts::AlertDelivery& delivery) {
  return {{"channel", delivery.channel},
          {"target", delivery.target},
          {"state", delivery.state},
          {"attempts", delivery.attempts},
          {"next_attempt_ms", delivery.state == "pending" ? Json(delivery.next_attempt_ms) : Json(nullptr)},
          {"last_error", delivery.last_error},
          {"delivered_ms", time_or_null(delivery.delivered_ms)}};
}

}  // namespace

Json alert_json(const alerts::Alert& alert) {
  const bool open = alert.state == alerts::AlertState::kOpen;
  return {{"id", alert.id},
          {"rule", alert.rule},
          {"kind", alert.kind},
          {"subject", alert.subject},
          {"site", alert.site},
          {"summary", alert.summary},
          {"state", alerts::to_string(alert.state)},
          {"raised_ms", alert.raised_ms},
          {"acked_by", open ? Json(nullptr) : Json(alert.acked_by)},
          {"acked_ms", open ? Json(nullptr) : Json(alert.acked_ms)},
          {"idempotency_key", alert.idempotency_key}};
}

void add_alert_routes(Router& router, Ledger& ledger, HubWriter& writer,
                      std::function<void(const alerts::Alert&)> acknowledged) {
  router.add("GET", "/api/v1/alerts", auth::Role::kViewer, [&ledger](const Request& request) {
    alerts::AlertFilter filter;
    if (const auto found = request.query.find("site"); found != request.query.end()) filter.site = found->second;
    if (const auto found = request.query.find("state"); found != request.query.end()) {
      filter.state = alerts::parse_alert_state(found->second);
      if (!filter.state) {
        return Response::error(400, "invalid_input",
                               "state: must be open or acknowledged (got '" + found->second + "')");
      }
    }
    auto limit = request.integer("limit", 100, 1, 1000);
    if (!limit) return Response::from(limit.error());
    filter.limit = static_cast<std::size_t>(*limit);
    auto listed = alerts::list_alerts(ledger.database(), filter);
    if (!listed) return Response::from(listed.error());
    Json out = Json::array();
    for (const auto& alert : *listed) out.push_back(alert_json(alert));
    return Response::json(200, {{"alerts", std::move(out)}});
  });
  router.add("GET", "/api/v1/alerts/{id}", auth::Role::kViewer, [&ledger](const Request& request) {
    auto id = request.path_integer("id", "an alert id");
    if (!id) return Response::from(id.error());
    auto found = alerts::find_alert(ledger.database(), *id);
    if (!found) return Response::from(found.error());
    if (!*found) return Response::error(404, "not_found", "no alert has the id " + std::to_string(*id));
    auto deliveries = alerts::list_deliveries(ledger.database(), *id);
    if (!deliveries) return Response::from(deliveries.error());
    auto attempts = delivery::list_attempts(ledger.database(), "alert", *id);
    if (!attempts) return Response::from(attempts.error());
    Json body = alert_json(**found);
    Json channels = Json::array();
    for (const auto& delivery : *deliveries) channels.push_back(delivery_json(delivery));
    body["deliveries"] = std::move(channels);
    body["delivery_attempts"] = attempts_json(*attempts);
    return Response::json(200, body);
  });
  router.add("POST", "/api/v1/alerts/{id}/ack", auth::Role::kCounterLead,
             [&writer, acknowledged = std::move(acknowledged)](const Request& request) {
               auto id = request.path_integer("id", "an alert id");
               if (!id) return Response::from(id.error());
               std::optional<alerts::Alert> acked;
               auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
                 auto alert = alerts::acknowledge(write, *id, request.principal->name, now_ms);
                 if (!alert) return alert.error();
                 acked = std::move(*alert);
                 return reconcile::Effects{};
               });
               if (!written) return Response::from(written.error());
               if (acknowledged) acknowledged(*acked);
               return Response::json(200, alert_json(*acked));
             });
}

}  // namespace recount::hub
