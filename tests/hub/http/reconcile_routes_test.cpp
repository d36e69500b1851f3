// The reconciliation routes over a real reconciler on a ledger in a temp directory.
#include "hub/http/reconcile_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/delivery_fixtures.hpp"

namespace recount::hub {
namespace {


struct RoutesFixture {
  testing::LedgerFixture store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  Router router;

  RoutesFixture() { add_reconcile_routes(router, reconciler); }

  nlohmann::json get_json(const std::string& target, unsigned status = 200) {
    const auto response = router.handle(Request::from_target("GET", target).value());
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return nlohmann::json::parse(response.body);
  }
};

TEST_CASE("a shortage shows as an open discrepancy and a recount task for its site") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());

  const auto discrepancies = hub.get_json("/api/v1/discrepancies")["discrepancies"];
  REQUIRE(discrepancies.size() == 1);
  CHECK(discrepancies[0]["location"] == "A-1");
  CHECK(discrepancies[0]["expected"] == 10);
  CHECK(discrepancies[0]["counted"] == 7);
  CHECK(discrepancies[0]["variance"] == -3);
  CHECK(hub.get_json("/api/v1/discrepancies?state=all")["discrepancies"].size() == 1);

  const auto tasks = hub.get_json("/api/v1/tasks?site=site-1")["tasks"];
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0]["sku"] == "SKU-1");
  CHECK(tasks[0]["exclude_user"] == "user-1");
  CHECK(tasks[0]["discrepancy_id"] == discrepancies[0]["id"]);
  CHECK(hub.get_json("/api/v1/tasks?site=site-2")["tasks"].empty());
}

TEST_CASE("tasks without a site are those of every site; discrepancies in an unknown state are refused") {
  RoutesFixture hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  CHECK(hub.get_json("/api/v1/tasks")["tasks"].size() == 1);
  CHECK(hub.get_json("/api/v1/discrepancies?state=closed", 400).dump().find("state") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
