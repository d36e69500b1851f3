// Count plans end to end (issue 18): a real recount-hub whose policy holds a plan of the shelves
// and bins of store-1, a real Mosquitto and a real agent. The plan makes the positions the
// device's receipts create due (overdue: never counted since the plan began); a count on the
// floor satisfies its position's due count, which `recountctl due --json` then shows done, while
// the position nobody counted stays overdue. The hub sends the open ones to the device as planned
// tasks, and a count made through one takes it off the device's list.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

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
  // The plans are evaluated every 200 ms, so the device's list follows the floor quickly.
  Hub hub{dir / "hub", broker.uri(), {"--policy", policy.string(), "--plan-interval", "200"}};
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

  // The catalog imported, and 10 units received on the device at the shelf A-01 (SKU-1) and the
  // bin B-02 (SKU-3): two positions the plan selects, never counted.
  void receive_on_shelf_and_bin() const {
    for (const char* kind : {"items", "locations"}) {
      REQUIRE(run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", kind,
                           catalog_fixture(std::string(kind) + ".csv")})
                  .exit_code == 0);
    }
    for (const auto& [location, sku] : {std::pair{"A-01", "SKU-1"}, std::pair{"B-02", "SKU-3"}}) {
      REQUIRE(record(device, {"receive", "--location", location, "--sku", sku, "--qty", "10", "--user", "alice",
                              "--ref", "PO-1"})
                  .exit_code == 0);
    }
  }

  // The device's task listing (`#tasks`) once `done` accepts it, waiting (bounded).
  template <typename Done>
  std::string tasks_when(Done done) const {
    std::string listing;
    const bool seen = eventually(
        [&] {
          listing = agent_scan(device, "#tasks\n").out;
          return done(listing);
        },
        kTimeout, std::chrono::milliseconds(200));
    INFO(listing);
    REQUIRE(seen);
    return listing;
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
  floor.receive_on_shelf_and_bin();
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

TEST_CASE("the open planned counts reach the device as planned tasks and a count through one takes it off") {
  PlannedFloor floor;
  floor.receive_on_shelf_and_bin();
  AgentDaemon agent(floor.device, floor.broker.uri(), floor.hub.key_file());

  const std::string listing = floor.tasks_when([](const std::string& out) {
    return out.find("at A-01") != std::string::npos && out.find("at B-02") != std::string::npos;
  });
  CHECK(listing.find("2 open tasks") != std::string::npos);
  CHECK(listing.find(" at A-01 sku SKU-1 - plan weekly-shelves, owner shift-lead") != std::string::npos);
  CHECK(listing.find("RECOUNT") == std::string::npos);

  // Planned, not blind recounts, and still blind: where to count, never how many.
  const auto list = retained_task_list(floor.broker, "store-1");
  REQUIRE(list["tasks"].size() == 2);
  const std::set<std::string> allowed{"task_id", "location", "sku", "lot", "round", "hint", "created_ms", "kind"};
  std::string shelf_task;
  for (const auto& task : list["tasks"]) {
    for (const auto& [member, value] : task.items()) {
      INFO(member << " = " << value.dump());
      CHECK(allowed.contains(member));
    }
    CHECK(task["kind"] == "planned");
    CHECK(listing.find("PLANNED " + task["task_id"].get<std::string>() + " at ") != std::string::npos);
    if (task["location"] == "A-01") shelf_task = task["task_id"];
  }
  REQUIRE_FALSE(shelf_task.empty());

  // The catalog (retained too) may reach the device after the tasks: it must know the GTIN.
  REQUIRE(eventually(
      [&] {
        return agent_scan(floor.device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos;
      },
      kTimeout, std::chrono::milliseconds(200)));
  const auto counted =
      agent_scan(floor.device, "#user bob\n#recount " + shelf_task + "\n(01)05901234123457(30)10\n#close\n");
  INFO(counted.out);
  CHECK(counted.exit_code == 0);
  CHECK(counted.out.find("refused") == std::string::npos);
  CHECK(counted.out.find("PLANNED COUNT " + shelf_task + " at A-01") != std::string::npos);

  // Done on the hub, and off the device's list at the next evaluation; B-02's stays.
  CHECK(floor.wait_for("done", "A-01")["counted_ms"].is_number_integer());
  const std::string after =
      floor.tasks_when([](const std::string& out) { return out.find("1 open task") != std::string::npos; });
  CHECK(after.find("at A-01") == std::string::npos);
  CHECK(after.find("at B-02 sku SKU-3") != std::string::npos);
  // The count matched the ledger: it raised no recount (its close did not zero it either).
  CHECK(after.find("RECOUNT") == std::string::npos);
}

}  // namespace recount::testing
