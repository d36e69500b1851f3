// GET /api/v1/plans and /api/v1/due over a real reconciler on a ledger in a temp directory: a
// counted position is done, one never counted is overdue, and bad parameters are named.
#include "hub/http/plan_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// A weekly plan of the pick faces from 2026-09-01: the fixed now (2026-09-21) is in its third
// period, which opened on 2026-09-15.
constexpr std::int64_t kDay = 24LL * 3600 * 1000;
constexpr std::int64_t kStartMs = 1'788'220'800'000;  // 2026-09-01

// SKU-1 at A-1 has a baseline and a count (shortage_events); SKU-2 at A-2 only a baseline. Both
// locations are pick faces.
struct PlanHub : testing::WriteSide {
  PlanHub() {
    catalog.put(protocol::Catalog{
        "site-1",
        1,
        {protocol::CatalogItem{"SKU-1", "widget", 250, "", {}}, protocol::CatalogItem{"SKU-2", "gadget", 100, "", {}}},
        {protocol::CatalogLocation{"A-1", "A-1", "pick"}, protocol::CatalogLocation{"A-2", "A-2", "pick"}},
        {}});
    auto policy = reconcile::parse_policy(R"({"plans": [{"name": "pick-faces", "location_classes": ["pick"],
        "every_days": 7, "owner": "shift-lead", "start": "2026-09-01"}]})");
    REQUIRE(policy.has_value());
    REQUIRE(writer.write(
        [&](LedgerWrite&, std::int64_t now_ms) { return reconciler.set_policy(*policy, "plans-test", now_ms); }));
    auto events = testing::shortage_events();
    Event other = events[0];
    other.seq = 3;
    other.event_id = testing::event_id_for(1, 3);
    other.location = "A-2";
    other.sku = "SKU-2";
    events.push_back(other);
    testing::deliver(store.ledger, reconciler, events);
    REQUIRE(add_plan_routes(router, store.ledger.database(), catalog, queries, testing::fixed_clock()).has_value());
  }

  Json get(const std::string& target, unsigned status = 200) {
    const auto response = router.handle(
        testing::signed_in(Request::from_target("GET", target).value(), auth::Role::kViewer, "viewer-vic", 0));
    INFO(target << ": " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
};

TEST_CASE("plan routes: a plan lists its positions with how many are due, overdue and done") {
  PlanHub hub;
  const auto plans = hub.get("/api/v1/plans");
  CHECK(plans["now_ms"] == testing::kFixedNowMs);
  CHECK(plans["abc"]["a_percent"] == 80);
  REQUIRE(plans["plans"].size() == 1);
  const auto& plan = plans["plans"][0];
  CHECK(plan["name"] == "pick-faces");
  CHECK(plan["owner"] == "shift-lead");
  CHECK(plan["location_classes"] == Json::array({"pick"}));
  CHECK(plan["every_days"] == 7);
  CHECK(plan["start_ms"] == kStartMs);
  CHECK(plan["positions"] == 2);
  CHECK(plan["done"] == 1);
  CHECK(plan["overdue"] == 1);
  CHECK(plan["due"] == 0);
  CHECK(hub.get("/api/v1/plans?site=site-2")["plans"][0]["positions"] == 0);
}

TEST_CASE("plan routes: due counts list the open ones with owner and due date, overdue flagged; done on asking") {
  PlanHub hub;
  auto due = hub.get("/api/v1/due?site=site-1");
  CHECK(due["site"] == "site-1");
  CHECK(due["total"] == 1);
  REQUIRE(due["counts"].size() == 1);
  const auto& overdue = due["counts"][0];
  CHECK(overdue["location"] == "A-2");
  CHECK(overdue["sku"] == "SKU-2");
  CHECK(overdue["owner"] == "shift-lead");
  CHECK(overdue["state"] == "overdue");
  CHECK(overdue["overdue"] == true);
  CHECK(overdue["opened_ms"] == kStartMs);
  CHECK(overdue["due_ms"] == kStartMs + 7 * kDay);
  CHECK(overdue["counted_ms"].is_null());

  due = hub.get("/api/v1/due?state=done");
  REQUIRE(due["counts"].size() == 1);
  CHECK(due["site"].is_null());
  CHECK(due["counts"][0]["location"] == "A-1");
  CHECK(due["counts"][0]["state"] == "done");
  CHECK(due["counts"][0]["counted_ms"] == testing::shortage_events()[1].wall_ms);
  CHECK(due["counts"][0]["opened_ms"] == kStartMs + 14 * kDay);
  CHECK(due["counts"][0]["group_id"].is_number());
}

TEST_CASE("plan routes: bad parameters are named") {
  PlanHub hub;
  CHECK(hub.get("/api/v1/due?site=a/b", 400)["error"]["message"].get<std::string>().starts_with("site:"));
  CHECK(hub.get("/api/v1/due?state=late", 400)["error"]["message"] == "state: must be open, due, overdue or done");
  CHECK(hub.get("/api/v1/due?limit=0", 400)["error"]["message"].get<std::string>().starts_with("limit:"));
  CHECK(hub.get("/api/v1/plans?site=", 400)["error"]["message"].get<std::string>().starts_with("site:"));
}

}  // namespace
}  // namespace recount::hub
