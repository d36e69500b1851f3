// The catalog end to end: recountctl imports items and locations into a real recount-hub, the hub
// publishes the retained catalog through a real Mosquitto, `recount-agent run` stores it, and
// with the broker stopped `recount-agent scan` resolves a label and GTINs offline.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

TEST_CASE(
    "an imported catalog and a retained task reach the agent, which then resolves a label and GTINs with the broker "
    "down") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  auto items = run_command(
      {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "items", catalog_fixture("items.csv")});
  CHECK(items.exit_code == 0);
  CHECK(items.out.find("3 items, 5 barcodes") != std::string::npos);
  auto locations = run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "locations",
                                catalog_fixture("locations.csv")});
  CHECK(locations.exit_code == 0);
  auto broken = run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "items",
                             catalog_fixture("items_broken.csv")});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("items_broken.csv:3: barcode:") != std::string::npos);
  CHECK(broken.err.find("items_broken.csv:7: barcode:") != std::string::npos);

  const auto device = dir / "device";
  REQUIRE(
      run_command({RECOUNT_AGENT_BIN, "status", "--data", device.string(), "--site", "store-1", "--device", "dev-9"})
          .exit_code == 0);
  // A recount task retained for the site, as the reconciliation publishes it (signed by the hub).
  const auto task_list = signed_by_hub(dir / "hub", R"({"v":1,"site":"store-1","version":1,"tasks":[{"task_id":"rt-7",)"
                                                    R"("location":"B-02","round":1,"exclude_user":"alice",)"
                                                    R"("created_ms":1795714700000}]})");
  REQUIRE(run_command({"mosquitto_pub", "-p", std::to_string(broker.port()), "-q", "1", "-r", "-t",
                       "recount/v1/store-1/tasks", "-m", task_list})
              .exit_code == 0);
  {
    AgentDaemon agent(device, broker.uri(), hub.key_file());
    bool known = false;
    for (int attempt = 0; attempt < 200 && !known; ++attempt) {
      known = agent_scan(device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos;
      if (!known) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(known);
    bool acked = false;
    for (int attempt = 0; attempt < 200 && !acked; ++attempt) {
      acked = agent_journal(device).dump().find(R"("task_id":"rt-7")") != std::string::npos;
      if (!acked) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(acked);  // receipt is a task_ack event in the journal
    agent.stop();
  }
  CHECK(agent_scan(device, "#tasks\n").out.find("rt-7 at B-02 (not alice)") != std::string::npos);
  broker.stop();

  const auto result = agent_scan(device, "#user bob\nLOC-A-01\n5901234123457\n]C10115901234123454\n#close\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  CHECK(result.out.find("running count 13") != std::string::npos);
  const auto journal = agent_journal(device);
  REQUIRE(journal.size() == 4);
  CHECK(journal[0].value("type", "") == "task_ack");
  CHECK(journal[1].value("sku", "") == "SKU-1");
  CHECK(journal[1].value("location", "") == "A-01");
  CHECK(journal[1].value("qty", 0) == 1);
  CHECK(journal[2].value("qty", 0) == 12);
  CHECK(journal[3].value("type", "") == "location_closed");
}

}  // namespace recount::testing
