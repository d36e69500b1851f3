// The policy and verify routes over a real reconciler on a ledger in a temp directory: the policy
// in force and who set it, putting one in force with and without re-judging, refusals naming the
// field, and repairs of damaged projections.
#include "hub/http/policy_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// Tolerates shortages of up to 5 units: device-1's shortage of 3 is within it.
constexpr const char* kLenient =
    R"({"max_recount_rounds": 3, "tolerances": [{"shortage": {"units": 5}, "overage": {}}]})";

// A hub under the built-in policy with device-1's shortage of 3 at site-1/A-1/SKU-1 judged:
// discrepancy 1, a recount requested.
struct PolicyHub : testing::WriteSide {
  PolicyHub() {
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    add_policy_routes(router, writer, reconciler, queries);
  }

  Json call(const std::string& method, const std::string& target, const std::string& body, unsigned status) {
    const auto response = router.handle(testing::signed_in(Request::from_target(method, target, body).value()));
    INFO(method << " " << target << ": " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
  reconcile::DiscrepancyState state() { return queries.discrepancy(1).value().discrepancy.state; }
  std::string last_audit_kind() { return store.ledger.audit().entries(0, 10000).value().back().kind; }
};

TEST_CASE("GET policy gives the built-in default as version 0, a PUT puts a policy in force, audited, naming who") {
  PolicyHub hub;
  const auto initial = hub.call("GET", "/api/v1/policy", "", 200);
  CHECK(initial["version"] == 0);
  CHECK(initial["set_by"].is_null());
  CHECK(initial["set_ms"].is_null());
  CHECK(initial["policy"]["max_recount_rounds"] == 2);
  CHECK(initial["policy"]["tolerances"].empty());

  const auto put = hub.call("PUT", "/api/v1/policy?operator=ops-anna", kLenient, 200);
  CHECK(put["version"] == 1);
  CHECK(put["set_by"] == "operator ops-anna");
  CHECK(put["set_ms"] == testing::kFixedNowMs);
  CHECK(put["reevaluation"].is_null());
  CHECK(put["policy"]["max_recount_rounds"] == 3);
  CHECK(put["policy"]["tolerances"][0]["shortage"]["units"] == 5);
  CHECK(hub.last_audit_kind() == "reconcile.policy");
  Json shown = put;
  shown.erase("reevaluation");
  CHECK(hub.call("GET", "/api/v1/policy", "", 200) == shown);
  // Judgements already made stand until a re-evaluation.
  CHECK(hub.state() == reconcile::DiscrepancyState::kRecountRequested);
}

TEST_CASE("PUT policy with reevaluate=true re-judges every count in the same write: a shortage now within closes") {
  PolicyHub hub;
  REQUIRE(hub.reconciler.task_list("site-1").value().tasks.size() == 1);
  const auto put = hub.call("PUT", "/api/v1/policy?reevaluate=true", kLenient, 200);
  CHECK(put["version"] == 1);
  CHECK(put["reevaluation"]["groups_rejudged"] == 1);
  CHECK(put["reevaluation"]["positions_repaired"] == 0);
  CHECK(hub.state() == reconcile::DiscrepancyState::kClosed);
  CHECK(hub.reconciler.task_list("site-1").value().tasks.empty());
  CHECK(hub.store.ledger.audit().verify().value().broken_id == std::nullopt);
}

TEST_CASE(
    "a bad policy, another operator than the token's or a bad reevaluate is refused with 400 naming the field, and "
    "changes nothing") {
  PolicyHub hub;
  const auto field_of = [&](const std::string& query, const std::string& body) {
    const std::string message = hub.call("PUT", "/api/v1/policy" + query, body, 400)["error"]["message"];
    return message.substr(0, message.find(':'));
  };
  CHECK(field_of("?operator=ops-mallory", kLenient) == "operator");  // the token's name, ops-anna, is the actor
  CHECK(field_of("?reevaluate=yes", kLenient) == "reevaluate");
  CHECK(field_of("", "not json") == "body");
  CHECK(field_of("", "[1]") == "body");
  CHECK(field_of("", R"({"max_recount_rounds": 1000})") == "max_recount_rounds");
  CHECK(field_of("", R"({"tolerances": [{"shortage": {"unit": 5}, "overage": {}}]})") == "tolerances[0].shortage.unit");
  CHECK(hub.queries.policy_in_force().value().version == 0);
  CHECK(hub.state() == reconcile::DiscrepancyState::kRecountRequested);
}

TEST_CASE("verify finds nothing to repair after ordinary work, and repairs and audits damaged projections") {
  PolicyHub hub;
  const auto clean = hub.call("POST", "/api/v1/reconcile/verify", "", 200)["reevaluation"];
  CHECK(clean == Json{{"positions_repaired", 0}, {"groups_repaired", 0}, {"groups_rejudged", 0}});
  CHECK(hub.last_audit_kind() != "reconcile.verify");

  REQUIRE(hub.store.ledger.database().execute("UPDATE reconcile_positions SET on_hand = 999"));
  const auto repaired = hub.call("POST", "/api/v1/reconcile/verify", "", 200)["reevaluation"];
  CHECK(repaired["positions_repaired"] == 1);
  CHECK(repaired["groups_repaired"] == 0);
  CHECK(hub.last_audit_kind() == "reconcile.verify");
  CHECK(hub.queries.positions({}).value().front().on_hand == 10);  // the baseline; counts move nothing
  CHECK(hub.call("POST", "/api/v1/reconcile/verify", "", 200)["reevaluation"]["positions_repaired"] == 0);
}

}  // namespace
}  // namespace recount::hub
