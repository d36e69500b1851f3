// A catalog larger than one message can carry (limits::kMaxCatalogPayloadBytes) end to end: a
// real recount-hub publishes it through a real Mosquitto as a signed manifest and gzip chunks,
// `recount-agent run` stores it whole, a barcode of the last chunk resolves, and a one-item
// import afterwards reaches the agent as one chunk.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "shared/domain/limits.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

constexpr std::size_t kItems = 100'000;

std::string sku(std::size_t n) { return "SKU-" + std::to_string(n); }

// Waits (bounded) until the agent's output says `text`.
bool agent_says(const AgentDaemon& agent, const std::string& text) {
  for (int attempt = 0; attempt < 1200; ++attempt) {
    if (agent.output().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("a catalog over the single-message limit reaches the agent in chunks, and a one-item change as one chunk") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  // Descriptions long enough that the whole catalog, signed, is past the single-message limit.
  const std::string padding(150, 'x');
  const auto items_file = dir / "items.csv";
  {
    std::ofstream out(items_file);
    out << "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";
    for (std::size_t n = 0; n < kItems; ++n) {
      out << sku(n) << ",Item " << n << " " << padding << ",100,grocery,CODE-" << n << ",1\n";
    }
  }
  REQUIRE(std::filesystem::file_size(items_file) > limits::kMaxCatalogPayloadBytes);
  auto ctl = [&](std::vector<std::string> arguments) {
    std::vector<std::string> command{RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token()};
    command.insert(command.end(), arguments.begin(), arguments.end());
    return run_command(command);
  };
  REQUIRE(ctl({"import", "items", items_file.string()}).exit_code == 0);
  REQUIRE(ctl({"import", "locations", catalog_fixture("locations.csv")}).exit_code == 0);

  // An item of the last chunk: the agent has every chunk only when it resolves.
  const auto count = protocol::catalog_chunk_count(kItems);
  std::size_t last = 0;
  while (protocol::catalog_chunk_index(sku(last), count) != count - 1) ++last;

  const auto device = dir / "device";
  REQUIRE(
      run_command({RECOUNT_AGENT_BIN, "status", "--data", device.string(), "--site", "store-1", "--device", "dev-9"})
          .exit_code == 0);
  AgentDaemon agent(device, broker.uri(), hub.key_file());
  REQUIRE_MESSAGE(
      agent_says(agent, "items in " + std::to_string(count) + " chunks, " + std::to_string(count) + " of them new"),
      agent.output());
  const auto scan = agent_scan(device, "#user bob\nLOC-A-01\nCODE-" + std::to_string(last) + "\n");
  CHECK_MESSAGE(scan.out.find(sku(last) + " ") != std::string::npos, scan.out);
  CHECK(scan.out.find("running count 1") != std::string::npos);

  // One item gets a second barcode: one chunk changes, and only it travels again.
  const auto change_file = dir / "change.csv";
  std::ofstream(change_file) << "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
                             << sku(last) << ",Item " << last << " " << padding << ",100,grocery,CODE-" << last
                             << ",1\n"
                             << sku(last) << ",Item " << last << " " << padding << ",100,grocery,CASE-" << last
                             << ",12\n";
  REQUIRE(ctl({"import", "items", change_file.string()}).exit_code == 0);
  REQUIRE_MESSAGE(agent_says(agent, "items in " + std::to_string(count) + " chunks, 1 of them new"), agent.output());
  const auto case_scan = agent_scan(device, "#user bob\nLOC-A-01\nCASE-" + std::to_string(last) + "\n");
  CHECK_MESSAGE(case_scan.out.find("count 12 x " + sku(last) + " (pack of 12)") != std::string::npos, case_scan.out);
  CHECK(agent.output().find("refused") == std::string::npos);
  agent.stop();
}

}  // namespace recount::testing
