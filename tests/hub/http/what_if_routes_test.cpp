// The what-if route over a real reconciler on a ledger in a temp directory: the figures of a
// candidate against the policy in force, viewers allowed, refusals naming the parameter, and
// nothing changed by asking.
#include "hub/http/what_if_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// Tolerates shortages of up to 5 units: device-1's shortage of 3 is within it.
constexpr const char* kLenient = R"({"tolerances": [{"shortage": {"units": 5}, "overage": {}}]})";

// A hub under the built-in policy with device-1's shortage of 3 at site-1/A-1/SKU-1 judged:
// discrepancy 1, a recount requested.
struct WhatIfHub : testing::WriteSide {
  WhatIfHub() {
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    add_what_if_routes(router, reconciler, queries, [] { return testing::kFixedNowMs; });
  }

  Json call(const std::string& target, const std::string& body, unsigned status,
            auth::Role role = auth::Role::kViewer) {
    const auto response =
        router.handle(testing::signed_in(Request::from_target("POST", target, body).value(), role, "viewer-vic"));
    INFO(target << ": " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
};

TEST_CASE("POST policy/what-if shows a viewer what a candidate would have done, against the policy in force") {
  WhatIfHub hub;
  const auto answer = hub.call("/api/v1/policy/what-if", kLenient, 200);
  CHECK(answer["days"] == 30);
  CHECK(answer["since_ms"] == testing::kFixedNowMs - 30 * 86'400'000LL);
  CHECK(answer["site"].is_null());
  CHECK(answer["policy_in_force"]["version"] == 0);
  CHECK(answer["counts"] == 1);
  CHECK(answer["changed"] == 1);
  CHECK(answer["current"]["flagged"]["counts"] == 1);
  CHECK(answer["current"]["recount"]["counts"] == 1);
  CHECK(answer["candidate"]["flagged"]["counts"] == 0);
  CHECK(answer["candidate"]["accepted"]["counts"] == 1);
  REQUIRE(answer["rows"].size() == 1);
  CHECK(answer["rows"][0]["site"] == "site-1");
  CHECK(answer["rows"][0]["item_class"] == "");
  REQUIRE(answer["examples"].size() == 1);
  const Json& example = answer["examples"][0];
  CHECK(example["location"] == "A-1");
  CHECK(example["sku"] == "SKU-1");
  CHECK(example["counted"] == 7);
  CHECK(example["expected"] == 10);
  CHECK(example["variance"] == -3);
  CHECK(example["verdict_before"] == "out_of_tolerance");
  CHECK(example["verdict_after"] == "accepted");
  CHECK(example["before"] == "recount");
  CHECK(example["after"] == "accepted");

  // Asking changed nothing: the discrepancy still waits for its recount, no policy was stored.
  CHECK(hub.queries.discrepancy(1).value().discrepancy.state == reconcile::DiscrepancyState::kRecountRequested);
  CHECK(hub.queries.policy_in_force().value().version == 0);
}

TEST_CASE("POST policy/what-if narrows to a site, fewer days and fewer examples") {
  WhatIfHub hub;
  const auto other_site = hub.call("/api/v1/policy/what-if?site=site-2&days=7", kLenient, 200);
  CHECK(other_site["site"] == "site-2");
  CHECK(other_site["days"] == 7);
  CHECK(other_site["counts"] == 0);
  CHECK(other_site["rows"].empty());
  const auto no_examples = hub.call("/api/v1/policy/what-if?examples=0", kLenient, 200);
  CHECK(no_examples["changed"] == 1);
  CHECK(no_examples["examples"].empty());
}

TEST_CASE("POST policy/what-if refuses a bad candidate or window, naming it") {
  WhatIfHub hub;
  const auto refusal = [&hub](const std::string& target, const std::string& body) {
    const Json answer = hub.call(target, body, 400);
    CHECK(answer["error"]["code"] == "invalid_input");
    return answer["error"]["message"].get<std::string>();
  };
  CHECK(refusal("/api/v1/policy/what-if", "not json").starts_with("body: "));
  CHECK(refusal("/api/v1/policy/what-if", R"({"tolerances": [{"shortage": {"unit": 1}, "overage": {}}]})")
            .starts_with("tolerances[0].shortage.unit: "));
  CHECK(refusal("/api/v1/policy/what-if?days=0", kLenient).starts_with("days: "));
  CHECK(refusal("/api/v1/policy/what-if?days=367", kLenient).starts_with("days: "));
  CHECK(refusal("/api/v1/policy/what-if?examples=101", kLenient).starts_with("examples: "));
  CHECK(refusal("/api/v1/policy/what-if?site=no%20spaces", kLenient).starts_with("site: "));
}

}  // namespace
}  // namespace recount::hub
