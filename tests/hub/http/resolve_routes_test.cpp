// The resolve route over a real reconciler on a ledger in a temp directory: each operator action
// through the shared write path, and each refusal with its status and field.
#include "hub/http/resolve_routes.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// A hub with device-1's shortage of 3 at site-1/A-1/SKU-1 judged (discrepancy 1), under a
// policy with `max_rounds` recount rounds (0: straight to an operator's review); SKU-1 has a unit
// cost when one is given, so that the discrepancy has a value.
struct ResolveHub : testing::WriteSide {
  explicit ResolveHub(std::uint32_t max_rounds, std::int64_t unit_cost_cents = 0) {
    if (unit_cost_cents > 0) {
      catalog.put(
          protocol::Catalog{"site-1", 1, {protocol::CatalogItem{"SKU-1", "widget", unit_cost_cents, "", {}}}, {}, {}});
    }
    reconcile::Policy policy;
    policy.max_recount_rounds = max_rounds;
    REQUIRE(writer.write(
        [&](LedgerWrite&, std::int64_t now_ms) { return reconciler.set_policy(policy, "resolve-test", now_ms); }));
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    add_resolve_routes(router, writer, reconciler, queries, system_wall_clock());
  }

  Json post(const std::string& id, const std::string& body, unsigned status,
            const auth::Principal& as = {"ops-anna", auth::Role::kAdmin, std::nullopt}) {
    const auto response = router.handle(
        testing::signed_in(Request::from_target("POST", "/api/v1/discrepancies/" + id + "/resolve", body).value(),
                           as.role, as.name, as.approval_limit_cents));
    INFO(response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
  Json resolve(const std::string& action, const std::string& reason, unsigned status,
               const auth::Principal& as = {"ops-anna", auth::Role::kAdmin, std::nullopt}) {
    return post("1", Json{{"action", action}, {"reason", reason}}.dump(), status, as);
  }
  Json bulk(const std::string& body, unsigned status,
            const auth::Principal& as = {"ops-anna", auth::Role::kAdmin, std::nullopt}) {
    const auto response =
        router.handle(testing::signed_in(Request::from_target("POST", "/api/v1/discrepancies/resolve", body).value(),
                                         as.role, as.name, as.approval_limit_cents));
    INFO(response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
  reconcile::DiscrepancyDetail detail() { return queries.discrepancy(1).value(); }
  std::string last_audit_kind() { return store.ledger.audit().entries(0, 10000).value().back().kind; }
};

TEST_CASE("approve adjusts the ledger to the count, stores the adjust event as the hub's and closes") {
  ResolveHub hub(0);
  REQUIRE(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);
  const auto answer = hub.resolve("approve", "theft", 200)["discrepancy"];
  CHECK(answer["state"] == "closed");
  CHECK(answer["resolution"] == "approved");
  CHECK(answer["adjust_qty"] == -3);
  const auto adjustment = hub.store.ledger.events().find(answer["adjust_event_id"]).value();
  REQUIRE(adjustment.has_value());
  CHECK(adjustment->origin.device == Ledger::kHubDevice);
  CHECK(adjustment->event.reason == ReasonCode::kTheft);
  CHECK(hub.queries.expected({"site-1", "A-1", "SKU-1", ""}, HlcStamp::from_parts(testing::kFixedNowMs, 0)).value() ==
        7);
  const auto& transitions = hub.detail().transitions;
  REQUIRE_FALSE(transitions.empty());
  CHECK(transitions.back().actor.id == "ops-anna");
}

TEST_CASE("reject closes without adjusting, write-off adjusts at once and cancels the open recount") {
  SUBCASE("reject") {
    ResolveHub hub(0);
    const auto answer = hub.resolve("reject", "count_error", 200)["discrepancy"];
    CHECK(answer["state"] == "closed");
    CHECK(answer["resolution"] == "rejected");
    CHECK(answer["adjust_qty"] == 0);
    CHECK(hub.queries.expected({"site-1", "A-1", "SKU-1", ""}, HlcStamp::from_parts(testing::kFixedNowMs, 0)).value() ==
          10);
    CHECK(hub.last_audit_kind() == "reconcile.transition");
  }
  SUBCASE("write-off") {
    ResolveHub hub(2);
    REQUIRE(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kRecountRequested);
    REQUIRE(hub.reconciler.task_list("site-1").value().tasks.size() == 1);
    const auto answer = hub.resolve("write-off", "damage", 200)["discrepancy"];
    CHECK(answer["resolution"] == "written_off");
    CHECK(answer["adjust_qty"] == -3);
    CHECK(hub.reconciler.task_list("site-1").value().tasks.empty());
  }
}

TEST_CASE("resolving answers 404 for no such discrepancy and 409 for an action its state does not allow") {
  ResolveHub hub(2);  // recount requested: approve is not allowed yet
  CHECK(hub.post("99", Json{{"action", "reject"}, {"reason", "other"}}.dump(), 404)["error"]["code"] == "not_found");
  const auto early = hub.resolve("approve", "theft", 409);
  CHECK(early["error"]["message"].get<std::string>().find("recount_requested") != std::string::npos);
  hub.resolve("reject", "count_error", 200);
  CHECK(hub.resolve("reject", "count_error", 409)["error"]["code"] == "conflict");  // closed already
}

TEST_CASE("a bad id or body is refused with 400 naming the field, and changes nothing") {
  ResolveHub hub(0);
  const auto field_of = [&](const std::string& id, const std::string& body) {
    const std::string message = hub.post(id, body, 400)["error"]["message"];
    return message.substr(0, message.find(':'));
  };
  CHECK(field_of("x", R"({"action":"reject","reason":"other"})") == "id");
  CHECK(field_of("0", R"({"action":"reject","reason":"other"})") == "id");
  CHECK(field_of("1", "not json") == "body");
  CHECK(field_of("1", R"({"action":"close","reason":"other"})") == "action");
  CHECK(field_of("1", R"({"reason":"other"})") == "action");
  CHECK(field_of("1", R"({"action":"reject","reason":"bored"})") == "reason");
  CHECK(field_of("1", R"({"action":"reject","reason":"other","operator":7})") == "operator");
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);
}

TEST_CASE("the audited actor is the token's name: a body naming someone else is refused, the same name accepted") {
  ResolveHub hub(0);
  const auth::Principal bo{"ops-bo", auth::Role::kApprover, std::nullopt};
  const std::string forged =
      hub.post("1", R"({"action":"approve","reason":"theft","operator":"ops-mallory"})", 400, bo)["error"]["message"];
  CHECK(forged.starts_with("operator: names 'ops-mallory', but the request's token is 'ops-bo'"));
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);

  hub.post("1", R"({"action":"approve","reason":"theft","operator":"ops-bo"})", 200, bo);
  const auto& transitions = hub.detail().transitions;
  REQUIRE_FALSE(transitions.empty());
  CHECK(transitions.back().actor == reconcile::Actor::operator_named("ops-bo"));
}

TEST_CASE("a viewer may not resolve and a counter-lead may reject but not approve, each 403 naming the role needed") {
  ResolveHub hub(0);
  const std::string viewer =
      hub.resolve("reject", "count_error", 403, {"ops-vi", auth::Role::kViewer, std::nullopt})["error"]["message"];
  CHECK(viewer.find("needs the role counter-lead or higher; the token 'ops-vi' has the role viewer") !=
        std::string::npos);
  const auto lead = auth::Principal{"ops-lea", auth::Role::kCounterLead, std::nullopt};
  const std::string approve = hub.resolve("approve", "theft", 403, lead)["error"]["message"];
  CHECK(approve == "approve needs the role approver or higher; the token 'ops-lea' has the role counter-lead");
  CHECK(hub.resolve("write-off", "theft", 403, lead)["error"]["code"] == "forbidden");
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);
  CHECK(hub.resolve("reject", "count_error", 200, lead)["discrepancy"]["resolution"] == "rejected");
}

TEST_CASE("an approver may approve up to its approval limit, and over it the 403 names the limit and the value") {
  ResolveHub hub(0, 250);
  const std::int64_t value = std::llabs(hub.detail().discrepancy.value_cents);
  REQUIRE(value > 0);
  REQUIRE(value <= auth::kDefaultApproverLimitCents);
  const std::string over =
      hub.resolve("approve", "theft", 403, {"ops-cy", auth::Role::kApprover, value - 1})["error"]["message"];
  CHECK(over == "discrepancy 1 is worth " + std::to_string(value) + " cents, over the approval limit of " +
                    std::to_string(value - 1) + " cents of the token 'ops-cy'; ask an approver with a higher limit");
  CHECK(hub.resolve("write-off", "theft", 403, {"ops-cy", auth::Role::kApprover, value - 1})["error"]["code"] ==
        "over_approval_limit");
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);
  // Without a limit of its own, an approver has the role's default, which this value is under.
  CHECK(hub.resolve("approve", "theft", 200, {"ops-cy", auth::Role::kApprover, std::nullopt})["discrepancy"]["state"] ==
        "closed");
}

TEST_CASE("a bulk resolve decides each id on its own: one over the limit, one unknown, then one done and one closed") {
  ResolveHub hub(0, 250);
  const std::int64_t value = std::llabs(hub.detail().discrepancy.value_cents);
  const auth::Principal capped{"ops-cy", auth::Role::kApprover, value - 1};
  const auto refused = hub.bulk(R"({"ids":[1,99],"action":"approve","reason":"theft"})", 200, capped)["results"];
  REQUIRE(refused.size() == 2);
  CHECK(refused[0]["id"] == 1);
  CHECK(refused[0]["ok"] == false);
  CHECK(refused[0]["error"]["code"] == "over_approval_limit");
  CHECK(refused[1]["id"] == 99);
  CHECK(refused[1]["error"]["code"] == "not_found");
  CHECK(refused[1]["error"]["message"] == "no discrepancy 99");
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);

  const auto results = hub.bulk(R"({"ids":[1,1],"action":"approve","reason":"theft"})", 200)["results"];
  REQUIRE(results.size() == 2);
  CHECK(results[0]["ok"] == true);
  CHECK(results[0]["discrepancy"]["state"] == "closed");
  CHECK(results[0]["discrepancy"]["resolution"] == "approved");
  CHECK(results[1]["ok"] == false);
  CHECK(results[1]["error"]["code"] == "conflict");  // closed by the first
  CHECK(hub.last_audit_kind() == "reconcile.transition");
}

TEST_CASE("a bulk resolve needs a counter-lead, and refuses a bad body with 400 naming the member") {
  ResolveHub hub(0);
  const auto field_of = [&](const std::string& body) {
    const std::string message = hub.bulk(body, 400)["error"]["message"];
    return message.substr(0, message.find(':'));
  };
  CHECK(field_of("[1]") == "body");
  CHECK(field_of(R"({"action":"reject","reason":"other"})") == "ids");
  CHECK(field_of(R"({"ids":[],"action":"reject","reason":"other"})") == "ids");
  CHECK(field_of(R"({"ids":[1,"2"],"action":"reject","reason":"other"})") == "ids[1]");
  CHECK(field_of(R"({"ids":[0],"action":"reject","reason":"other"})") == "ids[0]");
  CHECK(field_of(R"({"ids":[1],"action":"close","reason":"other"})") == "action");
  CHECK(field_of(R"({"ids":[1],"action":"reject","reason":"bored"})") == "reason");
  Json many = Json::array();
  for (int id = 1; id <= 501; ++id) many.push_back(id);
  CHECK(field_of(Json{{"ids", many}, {"action", "reject"}, {"reason", "other"}}.dump()) == "ids");
  CHECK(hub.bulk(R"({"ids":[1],"action":"reject","reason":"other"})", 403,
                 {"ops-vi", auth::Role::kViewer, std::nullopt})["error"]["code"] == "forbidden");
  const auto lead = hub.bulk(R"({"ids":[1],"action":"approve","reason":"theft"})", 200,
                             {"ops-lea", auth::Role::kCounterLead, std::nullopt})["results"];
  CHECK(lead[0]["error"]["code"] == "forbidden");
  CHECK(hub.detail().discrepancy.state == reconcile::DiscrepancyState::kAwaitingReview);
}

}  // namespace
}  // namespace recount::hub
