// recountctl plans and due as functions against the real routes served over HTTP, and refusing
// bad arguments without asking the hub.
#include "hub/cli/plans_command.hpp"

#include <doctest/doctest.h>

#include "tests/hub/plan_fixtures.hpp"
#include "tests/hub/serving_fixtures.hpp"

namespace recount::hub {
namespace {

TEST_CASE("recountctl plans prints each plan with its positions, due, overdue and done") {
  testing::PlanHub fixture;
  testing::Serving serving(fixture.router);
  const auto output = plans_command(serving.hub(), OutputFormat::kTable, "");
  INFO(output.out << output.err);
  CHECK(output.exit_code == 0);
  CHECK(output.out.starts_with("PLAN        SITES  ABC  LOCATION_CLASSES  EVERY_DAYS  OWNER       START"));
  CHECK(output.out.find("pick-faces  any    any  pick              7           shift-lead  2026-09-01  2          "
                        "0    1        1\n") != std::string::npos);
  const auto json = plans_command(serving.hub(), OutputFormat::kJson, "site-1");
  CHECK(nlohmann::json::parse(json.out)["plans"][0]["overdue"] == 1);
}

TEST_CASE("recountctl due lists the open counts with owner and due date, overdue flagged, or the done ones") {
  testing::PlanHub fixture;
  testing::Serving serving(fixture.router);
  const auto output = due_command(serving.hub(), OutputFormat::kTable, "site-1", "");
  INFO(output.out << output.err);
  CHECK(output.exit_code == 0);
  CHECK(output.out.find("site-1/A-2/SKU-2  pick-faces  shift-lead  A    2026-09-08T00:00:00.000Z  OVERDUE  -\n") !=
        std::string::npos);
  CHECK(output.out.find("A-1") == std::string::npos);
  const auto done = due_command(serving.hub(), OutputFormat::kJson, "", "done");
  const auto body = nlohmann::json::parse(done.out);
  REQUIRE(body["counts"].size() == 1);
  CHECK(body["counts"][0]["location"] == "A-1");
  CHECK(body["counts"][0]["state"] == "done");
}

TEST_CASE("recountctl plans and due refuse a bad site or state by name without asking the hub") {
  const HostPort nowhere{"127.0.0.1", 1};
  auto output = due_command(nowhere, OutputFormat::kTable, "a/b", "");
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("--site:") != std::string::npos);
  output = due_command(nowhere, OutputFormat::kTable, "", "late");
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("--state: must be open, due, overdue or done") != std::string::npos);
  output = plans_command(nowhere, OutputFormat::kTable, "a b");
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("--site:") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
