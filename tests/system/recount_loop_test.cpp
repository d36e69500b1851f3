// The reconciliation loop end to end (issue 5): a short count on device A opens a discrepancy in
// a real recount-hub, whose blind recount task reaches device B through a real Mosquitto; B's
// recount by another user confirms the shortage, the hub adjusts the ledger, and recountctl shows
// the adjusted position and verifies the audit chain. The counter who raised a task cannot answer it.
#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

constexpr auto kLoopTimeout = std::chrono::seconds(60);
constexpr std::string_view kPosition = "store-1/A-01/SKU-1";

CommandResult record(const std::filesystem::path& data, const std::string& device, std::vector<std::string> event) {
  std::vector<std::string> argv{RECOUNT_AGENT_BIN, "record",  "--data",   data.string(),
                                "--site",          "store-1", "--device", device};
  argv.insert(argv.end(), event.begin(), event.end());
  return run_command(argv);
}

bool journal_holds_task_ack(const std::filesystem::path& data, const std::string& task_id) {
  for (const auto& event : agent_journal(data)) {
    if (event.value("type", "") == "task_ack" && event.value("task_id", "") == task_id) return true;
  }
  return false;
}

// A hub with the catalog imported (SKU-1 costs 189 cents) and two devices of store-1: A, where
// alice received 20 units of SKU-1 at A-01 and then counted 17, and B, where bob works.
// The policy narrows the ambiguity window to 0: the receipt is seconds before the count, which
// the default 60 s window would call ambiguous rather than a shortage.
struct Floor {
  TempDir dir;
  Mosquitto broker;
  std::filesystem::path policy = write_policy(dir / "policy.json");
  Hub hub{dir / "hub", broker.uri(), {"--policy", policy.string()}};
  std::filesystem::path device_a = dir / "dev-a";
  std::filesystem::path device_b = dir / "dev-b";

  Floor() {
    REQUIRE(recountctl({"import", "items", catalog_fixture("items.csv")}).exit_code == 0);
    REQUIRE(recountctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);
    REQUIRE(
        record(device_a, "dev-a",
               {"receive", "--location", "A-01", "--sku", "SKU-1", "--qty", "20", "--user", "alice", "--ref", "PO-1"})
            .exit_code == 0);
    REQUIRE(
        record(device_a, "dev-a",
               {"count", "--location", "A-01", "--sku", "SKU-1", "--qty", "17", "--user", "alice", "--session", "cs-1"})
            .exit_code == 0);
    REQUIRE(run_command(
                {RECOUNT_AGENT_BIN, "status", "--data", device_b.string(), "--site", "store-1", "--device", "dev-b"})
                .exit_code == 0);
  }

  static std::filesystem::path write_policy(const std::filesystem::path& file) {
    std::ofstream(file) << R"({"ambiguity_window_ms": 0})";
    return file;
  }

  CommandResult recountctl(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()});
    return run_command(arguments, "", std::chrono::seconds(30));
  }

  nlohmann::json json_of(std::vector<std::string> arguments) const {
    arguments.push_back("--json");
    const auto result = recountctl(arguments);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return nlohmann::json::parse(result.out);
  }

  // Waits (bounded) for discrepancy 1 to reach `state` and returns its detail.
  nlohmann::json discrepancy_in(const std::string& state) const {
    nlohmann::json detail;
    const bool reached = eventually(
        [&] {
          const auto result = recountctl({"discrepancy", "1", "--json"});
          if (result.exit_code != 0) return false;
          detail = nlohmann::json::parse(result.out);
          return detail["state"] == state;
        },
        kLoopTimeout, std::chrono::milliseconds(200));
    INFO("discrepancy 1: " << detail.dump());
    REQUIRE(reached);
    return detail;
  }
};

}  // namespace

TEST_CASE("a short count on one device is recounted blind on another by a different user, confirmed and adjusted") {
  Floor floor;
  AgentDaemon agent_a(floor.device_a, floor.broker.uri(), floor.hub.key_file());
  AgentDaemon agent_b(floor.device_b, floor.broker.uri(), floor.hub.key_file());

  auto detail = floor.discrepancy_in("recount_requested");
  CHECK(detail["expected"] == 20);
  CHECK(detail["counted"] == 17);
  CHECK(detail["variance"] == -3);
  CHECK(detail["first_user"] == "alice");
  REQUIRE(detail["tasks"].size() == 1);
  CHECK(detail["tasks"][0]["task_id"] == "rt-1-1");
  CHECK(detail["tasks"][0]["exclude_user"] == "alice");

  // Blind: the task names where to count and who may not, never how many the ledger expects.
  const auto list = retained_task_list(floor.broker, "store-1");
  REQUIRE(list["tasks"].size() == 1);
  const std::set<std::string> allowed{"task_id", "location",     "sku",  "lot",
                                      "round",   "exclude_user", "hint", "created_ms"};
  for (const auto& [member, value] : list["tasks"][0].items()) {
    INFO(member << " = " << value.dump());
    CHECK(allowed.contains(member));
  }
  CHECK(list["tasks"][0]["location"] == "A-01");
  CHECK(list["tasks"][0]["sku"] == "SKU-1");

  REQUIRE(eventually([&] { return journal_holds_task_ack(floor.device_b, "rt-1-1"); }, kLoopTimeout,
                     std::chrono::milliseconds(200)));
  CHECK(agent_scan(floor.device_b, "#tasks\n").out.find("rt-1-1 at A-01 sku SKU-1 (not alice)") != std::string::npos);
  // The catalog (retained too) may reach B after the tasks: B must know the GTIN to count it.
  REQUIRE(eventually(
      [&] {
        return agent_scan(floor.device_b, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos;
      },
      kLoopTimeout, std::chrono::milliseconds(200)));

  // Bob scans 17 of SKU-1 in one GS1 code (AI 30, a count) and closes the location: one count
  // event, so the hub judges the whole recount at once.
  const auto recount = agent_scan(floor.device_b, "#user bob\n#recount rt-1-1\n(01)05901234123457(30)17\n#close\n");
  INFO(recount.out);
  CHECK(recount.exit_code == 0);
  CHECK(recount.out.find("refused") == std::string::npos);

  detail = floor.discrepancy_in("closed");
  CHECK(detail["resolution"] == "adjusted");
  CHECK(detail["adjust_qty"] == -3);
  CHECK(detail["adjust_value_cents"] == -3 * 189);
  CHECK(detail["adjust_reason"] == "shrinkage");
  std::vector<std::string> path;
  for (const auto& transition : detail["transitions"]) {
    path.push_back(transition["to"].get<std::string>());
    CHECK(transition["at_ms"].get<std::int64_t>() > 0);
    CHECK_FALSE(transition["cause"].get<std::string>().empty());
  }
  CHECK(path == std::vector<std::string>{"open", "recount_requested", "recounted", "confirmed", "adjusted", "closed"});
  CHECK(detail["transitions"][0]["actor"]["id"] == "alice");
  CHECK(detail["transitions"][2]["actor"]["id"] == "bob");

  const auto positions = floor.json_of({"positions", "--site", "store-1", "--sku", "SKU-1"})["positions"];
  REQUIRE(positions.size() == 1);
  CHECK(positions[0]["location"] == "A-01");
  CHECK(positions[0]["on_hand"] == 17);
  CHECK(floor.recountctl({"positions", "--site", "store-1"}).out.find(std::string(kPosition) + "  17 ") !=
        std::string::npos);

  const auto history = floor.json_of({"history", std::string(kPosition)});
  CHECK(history["on_hand"] == 17);
  const auto& entries = history["entries"];
  REQUIRE(entries.size() >= 4);
  CHECK(entries.front()["type"] == "receive");
  CHECK(entries.front()["balance"] == 20);
  CHECK(entries.back()["balance"] == 17);
  // The adjustment takes effect as of the recount it follows, so it sits among the recount's lines.
  nlohmann::json adjust;
  for (const auto& entry : entries) {
    if (entry["type"] == "adjust") adjust = entry;
  }
  REQUIRE(adjust.is_object());
  CHECK(adjust["delta"] == -3);
  CHECK(adjust["reason"] == "shrinkage");
  CHECK(adjust["device"] == "");  // the hub's own event
  CHECK(adjust["reference"] == "discrepancy:1");
  const auto table = floor.recountctl({"history", std::string(kPosition)});
  CHECK(table.exit_code == 0);
  CHECK(table.out.starts_with(std::string(kPosition) + "  on hand 17\n"));

  const auto verify = run_command({RECOUNTCTL_BIN, "--data", (floor.dir / "hub").string(), "audit", "verify"});
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.starts_with("audit log intact: "));
}

TEST_CASE("the counter whose count raised a recount task cannot answer it, on the device or through the hub") {
  Floor floor;
  AgentDaemon agent_a(floor.device_a, floor.broker.uri(), floor.hub.key_file());
  floor.discrepancy_in("recount_requested");
  REQUIRE(eventually([&] { return journal_holds_task_ack(floor.device_a, "rt-1-1"); }, kLoopTimeout,
                     std::chrono::milliseconds(200)));

  // The device refuses alice the task...
  CHECK(agent_scan(floor.device_a, "#user alice\n#recount rt-1-1\n").out.find("refused") != std::string::npos);
  // ...and a count by alice carrying the task's id anyway is kept but not taken as the recount.
  REQUIRE(
      record(floor.device_a, "dev-a",
             {"count", "--location", "A-01", "--sku", "SKU-1", "--qty", "17", "--user", "alice", "--task", "rt-1-1"})
          .exit_code == 0);
  nlohmann::json detail;
  REQUIRE(eventually(
      [&] {
        detail = floor.json_of({"discrepancy", "1"});
        for (const auto& group : detail["counts"]) {
          if (group["task_id"] == "rt-1-1" && group["role"] == "refused") return true;
        }
        return false;
      },
      kLoopTimeout, std::chrono::milliseconds(200)));
  CHECK(detail["state"] == "recount_requested");
  CHECK(detail["round"] == 1);
  REQUIRE(detail["tasks"].size() == 1);
  CHECK(detail["tasks"][0]["state"] == "open");
  CHECK(floor.json_of({"positions", "--site", "store-1"})["positions"][0]["on_hand"] == 20);
  CHECK(run_command({RECOUNTCTL_BIN, "--data", (floor.dir / "hub").string(), "audit", "verify"}).exit_code == 0);
}

}  // namespace recount::testing
