// GET /api/v1/drift over a real reconciler on a ledger in a temp directory: scopes, the report's
// shape, and each bad parameter named.
#include "hub/http/drift_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "hub/reconcile/sqlite_queries.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"

namespace recount::hub {
namespace {

constexpr std::int64_t kNowMs = testing::kFixedNowMs + 5000;

struct DriftRoutesFixture {
  testing::LedgerFixture store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  Router router;

  DriftRoutesFixture() {
    REQUIRE(add_drift_routes(router, store.ledger.database(), catalog, queries, [] { return kNowMs; }).has_value());
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
  }

  nlohmann::json get_json(const std::string& target, unsigned status = 200, auth::Role role = auth::Role::kViewer) {
    const auto response =
        router.handle(testing::signed_in(Request::from_target("GET", target).value(), role, "viewer-vic", 0));
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return nlohmann::json::parse(response.body);
  }
};

TEST_CASE("drift routes: a viewer gets a position's origin, its candidates and the events around it") {
  DriftRoutesFixture hub;
  const auto report = hub.get_json("/api/v1/drift?site=site-1&location=A-1&sku=SKU-1");
  CHECK(report["scope"] == "position");
  CHECK(report["settings"]["ambiguity_window_ms"] == 60'000);
  REQUIRE(report["drifts"].size() == 1);
  const auto& drift = report["drifts"][0];
  CHECK(drift["location"] == "A-1");
  CHECK(drift["known_good"].is_null());
  CHECK(drift["origin"]["expected"] == 10);
  CHECK(drift["origin"]["counted"] == 7);
  CHECK(drift["origin"]["variance"] == -3);
  CHECK(drift["origin"]["user"] == "user-1");
  CHECK(drift["diverged_observations"] == 1);
  REQUIRE(drift["around"].size() == 2);  // the baseline and the count
  CHECK(drift["around"][0]["type"] == "baseline");
  CHECK(drift["around"][1]["arrived_ms"] == testing::kFixedNowMs);
  CHECK(drift["candidates"].is_array());
}

TEST_CASE("drift routes: a SKU or a whole site lists its drifting positions, up to the limit") {
  DriftRoutesFixture hub;
  auto report = hub.get_json("/api/v1/drift?site=site-1&sku=SKU-1");
  CHECK(report["scope"] == "sku");
  CHECK(report["drifts"].size() == 1);
  report = hub.get_json("/api/v1/drift?site=site-1&limit=1");
  CHECK(report["scope"] == "site");
  CHECK(report["positions_drifting"] == 1);
  CHECK(report["truncated"] == false);
  CHECK(hub.get_json("/api/v1/drift?site=site-2")["drifts"].empty());
}

TEST_CASE("drift routes: bad parameters are named, an unknown position is not found") {
  DriftRoutesFixture hub;
  CHECK(hub.get_json("/api/v1/drift", 400)["error"]["message"].get<std::string>().starts_with("site:"));
  CHECK(hub.get_json("/api/v1/drift?site=site-1&location=A-1", 400)["error"]["message"] ==
        "sku: is required with location");
  CHECK(hub.get_json("/api/v1/drift?site=site-1&sku=SKU-1&lot=L1", 400)["error"]["message"] ==
        "location: is required with lot");
  CHECK(hub.get_json("/api/v1/drift?site=site-1&limit=0", 400)["error"]["message"].get<std::string>().starts_with(
      "limit:"));
  CHECK(hub.get_json("/api/v1/drift?site=site-1&system=no%20such", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("system:"));
  CHECK(hub.get_json("/api/v1/drift?site=site-1&system=shopify&location=A-1&sku=SKU-1&lot=L1",
                     400)["error"]["message"] == "lot: a system reports no lots");
  const auto never = hub.get_json("/api/v1/drift?site=site-1&system=shopify&location=A-1&sku=SKU-1", 404);
  CHECK(never["error"]["message"].get<std::string>().find("shopify never reported A-1/SKU-1") != std::string::npos);
  const auto missing = hub.get_json("/api/v1/drift?site=site-1&location=Z-9&sku=SKU-1", 404);
  CHECK(missing["error"]["code"] == "not_found");
  CHECK(missing["error"]["message"].get<std::string>().find("Z-9/SKU-1") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
