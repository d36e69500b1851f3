// recountctl metrics as a function against the real route served over HTTP: the table finance
// reads, the filters, and refusing a bad time before asking the hub.
#include "hub/cli/metrics_command.hpp"

#include <doctest/doctest.h>

#include "hub/http/metrics_routes.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/serving_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

TEST_CASE("durations print in the largest units that keep them short") {
  CHECK(duration_text(0) == "0ms");
  CHECK(duration_text(999) == "999ms");
  CHECK(duration_text(42'350) == "42.3s");
  CHECK(duration_text(65'000) == "1m05s");
  CHECK(duration_text(3'900'000) == "1h05m");
  CHECK(duration_text(90'000'000) == "1d01h");
}

TEST_CASE("metrics print a row per site with the variance rate in percent and amounts from cents") {
  testing::WriteSide hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  add_metrics_routes(hub.router, hub.queries);
  testing::Serving serving(hub.router);
  const auto output = metrics_command(serving.hub(), OutputFormat::kTable, "", "", "");
  CHECK(output.exit_code == 0);
  CHECK(output.out ==
        "SITE    COUNTS  EXACT  WITHIN  AMBIGUOUS  OUT  VARIANCE_RATE  OPENED  CLOSED  WRITTEN_OFF  FOUND  "
        "MEAN_RESOLUTION\n"
        "site-1  1       0      0       0          1    100.00%        1       0       0.00         0.00   -\n");
  CHECK(metrics_command(serving.hub(), OutputFormat::kTable, "site-2", "", "").out ==
        "no counts or discrepancies in that time\n");
  CHECK(metrics_command(serving.hub(), OutputFormat::kTable, "", "2026-09-22T00:00:00Z", "").out ==
        "no counts or discrepancies in that time\n");
  const auto json = metrics_command(serving.hub(), OutputFormat::kJson, "site-1", "2026-09-21T00:00:00+02:00",
                                    "2026-09-22T00:00:00Z");
  const auto body = nlohmann::json::parse(json.out);
  CHECK(body["from_ms"] == 1'789'941'600'000);
  CHECK(body["to_ms"] == 1'790'035'200'000);
  CHECK(body["sites"].size() == 1);
}

TEST_CASE("metrics refuse a bad --site, --from or --to by name without asking the hub") {
  const HostPort nowhere{"127.0.0.1", 1};
  const auto site = metrics_command(nowhere, OutputFormat::kTable, "no such", "", "");
  CHECK(site.exit_code == kExitFailed);
  CHECK(site.err.find("--site") != std::string::npos);
  const auto from = metrics_command(nowhere, OutputFormat::kTable, "", "yesterday", "");
  CHECK(from.exit_code == kExitFailed);
  CHECK(from.err.find("--from") != std::string::npos);
  const auto to = metrics_command(nowhere, OutputFormat::kTable, "", "", "2026-09-21T00:00:00");
  CHECK(to.exit_code == kExitFailed);
  CHECK(to.err.find("--to") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
