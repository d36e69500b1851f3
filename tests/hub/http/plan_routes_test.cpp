// GET /api/v1/plans and /api/v1/due over a real reconciler on a ledger in a temp directory: a
// counted position is done, one never counted is overdue, and bad parameters are named.
#include "hub/http/plan_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/plan_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kDay = testing::kPlanDayMs;
constexpr std::int64_t kStartMs = testing::kPlanStartMs;

struct PlanHub : testing::PlanHub {
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

TEST_CASE("plan routes: due counts list the open ones with owner and due date, overdue flagged, done on asking") {
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
