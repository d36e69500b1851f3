// The alerts routes over a real ledger: listing with filters, an alert with its deliveries and
// attempts, and acknowledgement by whoever may resolve discrepancies, viewers refused.
#include "hub/http/alert_routes.hpp"

#include <doctest/doctest.h>

#include "hub/delivery/attempt_log.hpp"
#include "tests/hub/alert_fixtures.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

struct AlertRoutes : testing::WriteSide {
  std::vector<alerts::Alert> acknowledged;
  reconcile::AlertRule rule = testing::rule_named("stuck");

  AlertRoutes() {
    REQUIRE(alerts::open_alerts(store.ledger.database()).has_value());
    REQUIRE(delivery::open_attempt_log(store.ledger.database()).has_value());
    rule.channels.webhook = true;
    add_alert_routes(router, store.ledger, writer,
                     [this](const alerts::Alert& alert) { acknowledged.push_back(alert); });
  }
  std::int64_t raise(const std::string& subject, const std::string& site) {
    auto write = store.ledger.begin_write().value();
    const auto id = alerts::raise(write, alerts::Observation{&rule, subject, site, "stuck"}, testing::kFixedNowMs);
    REQUIRE(write.commit().has_value());
    return id.value().value();
  }
  Response call(const std::string& method, const std::string& target, auth::Role role = auth::Role::kCounterLead) {
    return router.handle(testing::signed_in(Request::from_target(method, target, method == "POST" ? "{}" : "").value(),
                                            role, "lead-lee"));
  }
};

TEST_CASE("alerts are listed newest first, by state and site, and one shows its deliveries") {
  AlertRoutes hub;
  const auto first = hub.raise("discrepancy/1", "site-1");
  const auto second = hub.raise("discrepancy/2", "site-2");
  auto listed = nlohmann::json::parse(hub.call("GET", "/api/v1/alerts", auth::Role::kViewer).body)["alerts"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == second);
  CHECK(listed[0]["state"] == "open");
  CHECK(listed[0]["acked_by"].is_null());
  listed = nlohmann::json::parse(hub.call("GET", "/api/v1/alerts?site=site-1", auth::Role::kViewer).body)["alerts"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == first);
  const auto bad = hub.call("GET", "/api/v1/alerts?state=asleep", auth::Role::kViewer);
  CHECK(bad.status == 400);
  CHECK(bad.body.find("state") != std::string::npos);
  const auto one = nlohmann::json::parse(hub.call("GET", "/api/v1/alerts/" + std::to_string(first)).body);
  REQUIRE(one["deliveries"].size() == 1);
  CHECK(one["deliveries"][0]["channel"] == "webhook");
  CHECK(one["deliveries"][0]["state"] == "pending");
  CHECK(one["delivery_attempts"].empty());
  CHECK(hub.call("GET", "/api/v1/alerts/99").status == 404);
}

TEST_CASE("a counter lead acknowledges an alert as themselves, a viewer is refused, twice is a conflict") {
  AlertRoutes hub;
  const auto id = hub.raise("discrepancy/1", "site-1");
  const std::string ack = "/api/v1/alerts/" + std::to_string(id) + "/ack";
  CHECK(hub.call("POST", ack, auth::Role::kViewer).status == 403);
  const auto acked = hub.call("POST", ack);
  REQUIRE(acked.status == 200);
  const auto body = nlohmann::json::parse(acked.body);
  CHECK(body["state"] == "acknowledged");
  CHECK(body["acked_by"] == "lead-lee");
  REQUIRE(hub.acknowledged.size() == 1);
  CHECK(hub.call("POST", ack).status == 409);
  CHECK(hub.call("GET", "/api/v1/alerts?state=open", auth::Role::kViewer).body.find("\"id\"") == std::string::npos);
}

}  // namespace
}  // namespace recount::hub
