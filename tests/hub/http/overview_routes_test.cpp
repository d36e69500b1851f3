// The overview route over a real ledger and reconciler in a temp directory: its shape, the fleet
// from the device table and the ingest lag of events stored but not yet reconciled.
#include "hub/http/overview_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "hub/reconcile/sqlite_queries.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"

namespace recount::hub {
namespace {

constexpr std::int64_t kNowMs = testing::kFixedNowMs + 7000;

struct OverviewHub {
  testing::LedgerFixture store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  Router router;

  OverviewHub() {
    add_overview_routes(router, queries, store.ledger, [] { return kNowMs; });
  }

  nlohmann::json get_json(const std::string& target, unsigned status = 200) {
    const auto response = router.handle(
        testing::signed_in(Request::from_target("GET", target).value(), auth::Role::kViewer, "ops-vi", std::nullopt));
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return nlohmann::json::parse(response.body);
  }
};

TEST_CASE("the overview gives open discrepancies, value at risk, twelve periods per measure and the fleet") {
  OverviewHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  const auto overview = hub.get_json("/api/v1/overview");
  CHECK(overview["sites"] == nlohmann::json{"site-1"});
  CHECK(overview["open"]["by_state"] == nlohmann::json{{"recount_requested", 1}});
  CHECK(overview["open"]["by_age"][0] ==
        nlohmann::json{{"label", "< 1 day"}, {"max_age_ms", 86'400'000}, {"count", 1}});
  CHECK(overview["value_at_risk_cents"] == 0);  // SKU-1 has no cost
  const auto& measures = overview["measures"];
  CHECK(measures["variance_rate"]["period"] == "week");
  REQUIRE(measures["variance_rate"]["points"].size() == 12);
  CHECK(measures["variance_rate"]["points"][11]["value"] == 1.0);  // the one count disagreed
  CHECK(measures["variance_rate"]["points"][10]["value"].is_null());
  CHECK(measures["cycle_time_ms"]["points"].size() == 12);
  CHECK(measures["resolution_time_ms"]["points"][11]["value"].is_null());  // nothing closed
  CHECK(measures["write_off_by_reason"]["period"] == "month");
  CHECK(measures["write_off_by_reason"]["points"][11]["by_reason"] == nlohmann::json::object());
  const auto& fleet = overview["fleet"];
  CHECK(fleet["online"] == 0);
  CHECK(fleet["offline"] == 1);
  CHECK(fleet["dead_letters"] == 0);
  CHECK(fleet["ingest_lag_ms"] == 0);
  REQUIRE(fleet["devices"].size() == 1);
  CHECK(fleet["devices"][0]["device"] == "device-1");
  CHECK(fleet["devices"][0]["state"] == "unknown");  // it never sent a status
  CHECK(fleet["devices"][0]["backlog"].is_null());
  CHECK(fleet["devices"][0]["last_seen_ms"] == testing::kFixedNowMs);
}

TEST_CASE("the ingest lag is how long the oldest stored event has waited for reconciliation") {
  OverviewHub hub;
  hub.store.apply(testing::batch_of(testing::origin_of("device-1"), 1, 3));  // stored, not reconciled
  CHECK(hub.get_json("/api/v1/overview")["fleet"]["ingest_lag_ms"] == 7000);
}

TEST_CASE("the overview of one site leaves out the others, and a bad site is a 400 naming it") {
  OverviewHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  const auto other = hub.get_json("/api/v1/overview?site=site-2");
  CHECK(other["sites"] == nlohmann::json::array());
  CHECK(other["open"]["by_state"] == nlohmann::json::object());
  CHECK(other["fleet"]["devices"].empty());
  CHECK(hub.get_json("/api/v1/overview?site=a/b", 400)["error"]["message"].get<std::string>().starts_with("site:"));
}

}  // namespace
}  // namespace recount::hub
