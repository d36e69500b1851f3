// recountctl policy, policy set, policy what-if and reconcile verify as functions against the real routes served
// over HTTP: what people read, what the hub refused and why, and what a verify repaired.
#include "hub/cli/policy_command.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "hub/http/policy_routes.hpp"
#include "hub/http/what_if_routes.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/serving_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

// The policy routes over a hub that has judged device-1's shortage of 3 (discrepancy 1).
struct PolicyApi : testing::WriteSide {
  testing::TempDir files;

  PolicyApi() {
    testing::deliver(store.ledger, reconciler, testing::shortage_events());
    add_policy_routes(router, writer, reconciler, queries);
    add_what_if_routes(router, reconciler, queries, [] { return testing::kFixedNowMs; });
  }
  std::filesystem::path file(const std::string& name, const std::string& text) {
    const auto path = files / name;
    std::ofstream(path) << text;
    return path;
  }
};

TEST_CASE("policy prints the built-in default's settings and says it has no tolerance rules") {
  PolicyApi hub;
  testing::Serving serving(hub.router);
  const auto output = policy_command(serving.hub(), OutputFormat::kTable);
  CHECK(output.exit_code == 0);
  CHECK(output.out ==
        "policy: the built-in default (none has been set)\n"
        "SETTING               VALUE\n"
        "ambiguity_window_ms   60000\n"
        "settle_delay_ms       0\n"
        "max_recount_rounds    2\n"
        "approval_limit_cents  10000\n"
        "no tolerance rules: any variance is out of tolerance\n");
}

TEST_CASE("policy set puts a file's policy in force as the operator, and policy then shows its rules") {
  PolicyApi hub;
  const auto policy = hub.file("policy.json", R"({"tolerances": [{"shortage": {"units": 5}, "overage": {}},
      {"scope": {"site": "site-1", "sku": "SKU-9"}, "shortage": {"percent": 2.5, "units": 1}, "overage": {"units": 0}}]})");
  testing::Serving serving(hub.router);
  const auto set = policy_set_command(serving.hub(), policy, Reevaluate::kYes, OutputFormat::kTable);
  CHECK(set.exit_code == 0);
  CHECK(set.err.empty());
  CHECK(set.out ==
        "policy version 1 in force, set by operator ops-anna; re-evaluated: 0 on-hand and 0 expected quantities "
        "repaired, 1 counts re-judged\n");
  const auto shown = policy_command(serving.hub(), OutputFormat::kTable);
  CHECK(shown.out.starts_with("policy version 1, set 2026-09-21T14:13:20.000Z by operator ops-anna\n"));
  CHECK(shown.out.find("SCOPE                  SHORTAGE              OVERAGE\n"
                       "(global)               units 5               any\n"
                       "site=site-1 sku=SKU-9  percent 2.5, units 1  units 0\n") != std::string::npos);
  const auto json = policy_command(serving.hub(), OutputFormat::kJson);
  CHECK(nlohmann::json::parse(json.out)["version"] == 1);
}

TEST_CASE(
    "policy set says what the hub refused, naming the member or the token, and fails before asking when it cannot") {
  PolicyApi hub;
  const auto misspelt = hub.file("misspelt.json", R"({"tolerances": [{"shortage": {"unit": 5}, "overage": {}}]})");
  testing::Serving serving(hub.router);
  const auto refused = policy_set_command(serving.hub(), misspelt, Reevaluate::kNo, OutputFormat::kTable);
  CHECK(refused.exit_code == kExitFailed);
  CHECK(refused.out.empty());
  CHECK(refused.err.find("misspelt.json: the hub at ") != std::string::npos);
  CHECK(refused.err.find(" answered 400 ") != std::string::npos);
  CHECK(refused.err.find("tolerances[0].shortage.unit: ") != std::string::npos);
  const auto missing =
      policy_set_command(serving.hub(), hub.files / "none.json", Reevaluate::kNo, OutputFormat::kTable);
  CHECK(missing.exit_code == kExitFailed);
  CHECK(missing.err.find("cannot read") != std::string::npos);
  // A token the hub does not know: refused, saying where the token came from.
  auto stranger = serving.hub();
  stranger.token = "not-the-token";
  stranger.token_source = "$RECOUNT_TOKEN";
  const auto refused_token = policy_set_command(stranger, misspelt, Reevaluate::kNo, OutputFormat::kTable);
  CHECK(refused_token.exit_code == kExitFailed);
  CHECK(refused_token.err.find("refused the request (401): the API token is unknown or was revoked; the token came "
                               "from $RECOUNT_TOKEN") != std::string::npos);
  CHECK(hub.queries.policy_in_force().value().version == 0);
}

TEST_CASE("policy what-if prints the outcomes under both policies, per site and class, and the counts it changes") {
  PolicyApi hub;
  const auto lenient = hub.file("lenient.json", R"({"tolerances": [{"shortage": {"units": 5}, "overage": {}}]})");
  testing::Serving serving(hub.router);
  const auto output = policy_what_if_command(serving.hub(), lenient, WhatIfWindow{7, ""}, OutputFormat::kTable);
  CHECK(output.exit_code == 0);
  CHECK(output.err.empty());
  CHECK(output.out ==
        "what-if over the last 7 days (since 2026-09-14T14:13:20.000Z), every site: 1 counts, 1 changed, against "
        "policy version 0\n"
        "OUTCOME   CURRENT   CANDIDATE\n"
        "flagged   1 (0.00)  0 (0.00)\n"
        "accepted  0 (0.00)  1 (0.00)\n"
        "recount   1 (0.00)  0 (0.00)\n"
        "adjusted  0 (0.00)  0 (0.00)\n"
        "approval  0 (0.00)  0 (0.00)\n"
        "\n"
        "SITE    CLASS  COUNTS  CHANGED  FLAGGED               ACCEPTED              RECOUNT               ADJUSTED  "
        "APPROVAL\n"
        "site-1  -      1       1        1 (0.00) -> 0 (0.00)  0 (0.00) -> 1 (0.00)  1 (0.00) -> 0 (0.00)  0 (0.00)  "
        "0 (0.00)\n"
        "\n"
        "POSITION          TIME                      COUNTED  EXPECTED  VARIANCE  VALUE  VERDICT                       "
        "OUTCOME\n"
        "site-1/A-1/SKU-1  2026-09-21T14:12:20.002Z  7        10        -3        0.00   out_of_tolerance -> accepted  "
        "recount -> accepted\n");
  const auto json = policy_what_if_command(serving.hub(), lenient, WhatIfWindow{30, "site-1"}, OutputFormat::kJson);
  CHECK(json.exit_code == 0);
  const auto body = nlohmann::json::parse(json.out);
  CHECK(body["site"] == "site-1");
  CHECK(body["changed"] == 1);
  // Nothing was put in force, and the discrepancy still waits for its recount.
  CHECK(hub.queries.policy_in_force().value().version == 0);
  CHECK(hub.queries.discrepancy(1).value().discrepancy.state == reconcile::DiscrepancyState::kRecountRequested);
}

TEST_CASE("policy what-if says what the hub refused, naming the member, and fails before asking without a file") {
  PolicyApi hub;
  const auto misspelt = hub.file("misspelt.json", R"({"tolerances": [{"shortage": {"unit": 5}, "overage": {}}]})");
  testing::Serving serving(hub.router);
  const auto refused = policy_what_if_command(serving.hub(), misspelt, WhatIfWindow{}, OutputFormat::kTable);
  CHECK(refused.exit_code == kExitFailed);
  CHECK(refused.out.empty());
  CHECK(refused.err.find("misspelt.json: the hub at ") != std::string::npos);
  CHECK(refused.err.find("tolerances[0].shortage.unit: ") != std::string::npos);
  const auto bad_site = policy_what_if_command(serving.hub(), misspelt, WhatIfWindow{30, "a b"}, OutputFormat::kTable);
  CHECK(bad_site.err.find("site: ") != std::string::npos);
  const auto missing =
      policy_what_if_command(serving.hub(), hub.files / "none.json", WhatIfWindow{}, OutputFormat::kTable);
  CHECK(missing.exit_code == kExitFailed);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

TEST_CASE("reconcile verify prints what it repaired, exits 0 either way, and finds nothing the second time") {
  PolicyApi hub;
  REQUIRE(hub.store.ledger.database().execute("UPDATE reconcile_positions SET on_hand = 999"));
  testing::Serving serving(hub.router);
  const auto repaired = reconcile_verify_command(serving.hub(), OutputFormat::kTable);
  CHECK(repaired.exit_code == 0);
  CHECK(repaired.out == "projections repaired: 1 on-hand and 0 expected quantities repaired, 0 counts re-judged\n");
  const auto clean = reconcile_verify_command(serving.hub(), OutputFormat::kTable);
  CHECK(clean.exit_code == 0);
  CHECK(clean.out == "projections verified: nothing needed repair\n");
  const auto json = reconcile_verify_command(serving.hub(), OutputFormat::kJson);
  CHECK(nlohmann::json::parse(json.out)["reevaluation"]["groups_rejudged"] == 0);
}

}  // namespace
}  // namespace recount::hub
