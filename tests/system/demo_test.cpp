// scripts/demo end to end at a small size, on the executables this build made: the summary an
// operator reads, the hub's own figures it was drawn from, and nothing left running afterwards.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

// Processes whose command line mentions `text` (the demo names its work directory in every
// command it starts: the broker's config, the hub's and each agent's --data).
std::vector<std::string> processes_mentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string command_line = read_file(entry.path() / "cmdline");
    std::replace(command_line.begin(), command_line.end(), '\0', ' ');
    if (command_line.find(text) != std::string::npos)
      found.push_back(std::string(name).append(": ").append(command_line));
  }
  return found;
}

}  // namespace

TEST_CASE("scripts/demo --exit finds discrepancies, has them recounted and adjusted, and leaves nothing running") {
  TempDir dir;
  // The demo's broker, started as root, drops to the mosquitto user and reads its certificates,
  // password and ACL files in the work directory: every folder above them must let it through.
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  const auto work = (dir / "demo").string();
  const auto bin = std::filesystem::path(RECOUNT_AGENT_BIN).parent_path().parent_path().string();
  const auto result =
      run_command({"env", "RECOUNT_DEMO_DIR=" + work, "bash", std::string(RECOUNT_SOURCE_DIR) + "/scripts/demo",
                   "--exit", "--devices", "4", "--events", "24", "--seed", "3", "--bin", bin},
                  "", std::chrono::seconds(300));
  INFO(result.out);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("== How long each step took") != std::string::npos);
  CHECK(result.out.find("audit log intact") != std::string::npos);

  // The summary is drawn from these answers of the hub, saved by the demo at its end.
  const auto discrepancies = nlohmann::json::parse(read_file(dir / "demo/discrepancies.json"))["discrepancies"];
  const auto tasks = nlohmann::json::parse(read_file(dir / "demo/tasks.json"))["tasks"];
  CHECK(!discrepancies.empty());
  CHECK(result.out.find("discrepancies found: " + std::to_string(discrepancies.size())) != std::string::npos);
  std::size_t adjusted = 0, count_errors = 0, uom_errors = 0, late = 0;
  for (const auto& discrepancy : discrepancies) {
    adjusted += discrepancy["adjust_qty"].get<std::int64_t>() != 0;
    count_errors += discrepancy["resolution"] == "count_error";
    uom_errors += discrepancy["classification"] == "uom_error";
    late += discrepancy["resolution"] == "late_movement";
  }
  CHECK(adjusted > 0);
  CHECK(count_errors > 0);
  CHECK(uom_errors > 0);
  CHECK(late > 0);
  std::size_t done = 0;
  for (const auto& task : tasks) done += task["state"] == "done";
  CHECK(done > 0);
  CHECK(result.out.find("adjustments: " + std::to_string(adjusted) + ",") != std::string::npos);

  // The day includes a weekly plan of every shelf: the shelves it counted are done this period.
  CHECK(result.out.find("== Count plans") != std::string::npos);
  const auto plans = nlohmann::json::parse(read_file(dir / "demo/plans.json"))["plans"];
  REQUIRE(plans.size() == 1);
  CHECK(plans[0]["name"] == "shelves-weekly");
  CHECK(plans[0]["done"].get<std::int64_t>() > 0);
  CHECK(plans[0]["positions"] == plans[0]["due"].get<std::int64_t>() + plans[0]["overdue"].get<std::int64_t>() +
                                     plans[0]["done"].get<std::int64_t>());
  const auto due = nlohmann::json::parse(read_file(dir / "demo/due.json"));
  CHECK(due["total"] == plans[0]["due"].get<std::int64_t>() + plans[0]["overdue"].get<std::int64_t>());

  CHECK(processes_mentioning(work).empty());
}

}  // namespace recount::testing
