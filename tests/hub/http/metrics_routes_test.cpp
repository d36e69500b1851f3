// The metrics route over a real reconciler: a shortage found, written off 90 s later, in the
// figures finance reads; the window and site filters; refusals naming the parameter.
#include "hub/http/metrics_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kResolvedAfterMs = 90'000;

// SKU-1 costs 2.50. Under a policy that sends discrepancies straight to an operator, device-1's
// shortage of 3 opens discrepancy 1; write_off_later() has an operator write it off 90 s later.
struct MetricsHub : testing::WriteSide {
  MetricsHub() {
    catalog.put(protocol::Catalog{"site-1", 1, {protocol::CatalogItem{"SKU-1", "widget", 250, "", {}}}, {}, {}});
    reconcile::Policy policy;
    policy.max_recount_rounds = 0;
    REQUIRE(writer.write(
        [&](LedgerWrite&, std::int64_t now_ms) { return reconciler.set_policy(policy, "metrics-test", now_ms); }));
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    add_metrics_routes(router, queries);
  }

  void write_off_later() {
    HubWriter later{store.ledger, reconciler, tasks, [] { return testing::kFixedNowMs + kResolvedAfterMs; }};
    REQUIRE(later.write([&](LedgerWrite&, std::int64_t now_ms) {
      return reconciler.resolve(1, reconcile::OperatorAction::kWriteOff, ReasonCode::kDamage, "ops-anna", now_ms);
    }));
  }

  Json get(const std::string& target, unsigned status) {
    const auto response = router.handle(testing::signed_in(Request::from_target("GET", target).value()));
    INFO(target << ": " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
};

TEST_CASE("metrics give per site the variance rate, the value written off and the mean resolution time") {
  MetricsHub hub;
  const auto found = hub.get("/api/v1/metrics", 200);
  CHECK(found["from_ms"] == 0);
  CHECK(found["to_ms"].is_null());
  REQUIRE(found["sites"].size() == 1);
  const auto open = found["sites"][0];
  CHECK(open["site"] == "site-1");
  CHECK(open["counts"] == 1);
  CHECK(open["exact"] == 0);
  CHECK(open["out_of_tolerance"] == 1);
  CHECK(open["variance_rate"] == 1.0);
  CHECK(open["discrepancies_opened"] == 1);
  CHECK(open["discrepancies_closed"] == 0);
  CHECK(open["mean_resolution_ms"].is_null());

  hub.write_off_later();
  const auto closed = hub.get("/api/v1/metrics", 200)["sites"][0];
  // The write-off takes effect as of the count, which agrees with the ledger from then on; the
  // count still found a variance.
  CHECK(closed["exact"] == 0);
  CHECK(closed["out_of_tolerance"] == 1);
  CHECK(closed["variance_rate"] == 1.0);
  CHECK(closed["discrepancies_closed"] == 1);
  CHECK(closed["write_off_cents"] == 750);
  CHECK(closed["found_cents"] == 0);
  CHECK(closed["mean_resolution_ms"] == kResolvedAfterMs);
}

TEST_CASE("metrics keep to the site and the window asked for") {
  MetricsHub hub;
  hub.write_off_later();
  CHECK(hub.get("/api/v1/metrics?site=site-2", 200)["sites"].empty());
  CHECK(hub.get("/api/v1/metrics?site=site-1", 200)["sites"].size() == 1);
  // Before anything happened.
  CHECK(hub.get("/api/v1/metrics?to=" + std::to_string(testing::kFixedNowMs - 120'000), 200)["sites"].empty());
  // After the count and the opening: only the closing is in the window, so nothing resolved in it
  // was detected in it, and no count was made in it.
  const auto late = hub.get("/api/v1/metrics?from=" + std::to_string(testing::kFixedNowMs + 1), 200);
  CHECK(late["from_ms"] == testing::kFixedNowMs + 1);
  REQUIRE(late["sites"].size() == 1);
  CHECK(late["sites"][0]["counts"] == 0);
  CHECK(late["sites"][0]["discrepancies_opened"] == 0);
  CHECK(late["sites"][0]["discrepancies_closed"] == 1);
}

TEST_CASE("metrics refuse a bad site or time with 400 naming the parameter") {
  MetricsHub hub;
  const auto field_of = [&](const std::string& query) {
    const std::string message = hub.get("/api/v1/metrics" + query, 400)["error"]["message"];
    return message.substr(0, message.find(':'));
  };
  CHECK(field_of("?site=no%20such") == "site");
  CHECK(field_of("?from=yesterday") == "from");
  CHECK(field_of("?from=-5") == "from");
  CHECK(field_of("?to=0") == "to");
  CHECK(field_of("?from=500&to=500") == "to");
}

}  // namespace
}  // namespace recount::hub
