// Count plans end to end (issue 18): a real recount-hub whose policy holds a plan of the shelves
// and bins of store-1, a real Mosquitto and a real agent. The plan makes the positions the
// device's receipts create due (overdue: never counted since the plan began); a count on the
// floor satisfies its position's due count, which `recountctl due --json` then shows done, while
// the position nobody counted stays overdue.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

constexpr auto kTimeout = std::chrono::seconds(60);

// YYYY-MM-DD of the UTC day `days` before today.
std::string days_ago(int days) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) -
                                         std::chrono::days{days}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

CommandResult record(const std::filesystem::path& data, std::vector<std::string> event) {
  std::vector<std::string> argv{RECOUNT_AGENT_BIN, "record",  "--data",   data.string(),
                                "--site",          "store-1", "--device", "dev-a"};
  argv.insert(argv.end(), event.begin(), event.end());
  return run_command(argv);
}

// A weekly plan of shelves and bins from two weeks ago: a position not counted this week or last
// is overdue. The ambiguity window is 0, so a count seconds after a receipt is not ambiguous.
struct PlannedFloor {
  TempDir dir;
  Mosquitto broker;
  std::filesystem::path policy = write_policy(dir / "policy.json");
  Hub hub{dir / "hub", broker.uri(), {"--policy", policy.string()}};
  std::filesystem::path device = dir / "dev-a";

  static std::filesystem::path write_policy(const std::filesystem::path& file) {
    std::ofstream(file) << R"({"ambiguity_window_ms": 0, "plans": [{"name": "weekly-shelves",
        "location_classes": ["shelf", "bin"], "every_days": 7, "owner": "shift-lead", "start": ")"
                        << days_ago(14) << R"("}]})";
    return file;
  }

  nlohmann::json due(const std::string& state) const {
    const auto result = run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "due", "--site",
                                     "store-1", "--state", state, "--json"},
                                    "", std::chrono::seconds(30));
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
  }

  // The due counts of `state` at `location`, waiting (bounded) until there is one.
  nlohmann::json wait_for(const std::string& state, const std::string& location) const {
    nlohmann::json found;
    const bool seen = eventually(
        [&] {
          const nlohmann::json answer = due(state);
          for (const auto& count : answer["counts"]) {
            if (count["location"] == location) found = count;
          }
          return !found.is_null();
        },
        kTimeout, std::chrono::milliseconds(200));
    INFO(state << " at " << location << ": " << due("open").dump());
    REQUIRE(seen);
    return found;
  }
};

}  // namespace

TEST_CASE("a plan makes received positions due, a count on the floor satisfies one and the other stays overdue") {
  PlannedFloor floor;
  REQUIRE(run_command({RECOUNTCTL_BIN, "--hub", floor.hub.url(), "--token", floor.hub.token(), "import", "locations",
                       catalog_fixture("locations.csv")})
              .exit_code == 0);
  for (const auto& [location, sku] : {std::pair{"A-01", "SKU-1"}, std::pair{"B-02", "SKU-3"}}) {
    REQUIRE(record(floor.device,
                   {"receive", "--location", location, "--sku", sku, "--qty", "10", "--user", "alice", "--ref", "PO-1"})
                .exit_code == 0);
  }
  AgentDaemon agent(floor.device, floor.broker.uri(), floor.hub.key_file());

  const auto shelf = floor.wait_for("overdue", "A-01");
  CHECK(shelf["owner"] == "shift-lead");
  CHECK(shelf["plan"] == "weekly-shelves");
  CHECK(shelf["location_class"] == "shelf");
  CHECK(shelf["overdue"] == true);
  CHECK(floor.wait_for("overdue", "B-02")["location_class"] == "bin");

  REQUIRE(record(floor.device,
                 {"count", "--location", "A-01", "--sku", "SKU-1", "--qty", "10", "--user", "bob", "--session", "cs-1"})
              .exit_code == 0);
  const auto done = floor.wait_for("done", "A-01");
  CHECK(done["counted_ms"].is_number_integer());
  CHECK(done["group_id"].is_number_integer());
  // The count satisfied A-01's due count only: B-02 is still overdue, and A-01 is no longer open.
  const auto open = floor.due("open")["counts"];
  REQUIRE(open.size() == 1);
  CHECK(open[0]["location"] == "B-02");
  CHECK(open[0]["state"] == "overdue");
}

}  // namespace recount::testing
