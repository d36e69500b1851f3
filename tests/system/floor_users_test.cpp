// Floor users end to end: recountctl imports a site's users into a real recount-hub, the hub
// publishes them with the retained catalog through a real Mosquitto, `recount-agent run` stores
// them, and `recount-agent scan` then refuses an unknown badge and a wrong PIN and takes a known
// badge with its PIN, naming the badge on the events.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

TEST_CASE("imported floor users reach the agent, whose scan UI then takes only a known badge with its PIN") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  REQUIRE(run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "items",
                       catalog_fixture("items.csv")})
              .exit_code == 0);
  REQUIRE(run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "locations",
                       catalog_fixture("locations.csv")})
              .exit_code == 0);
  const auto broken = run_command({RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "users",
                                   catalog_fixture("users_broken.csv")});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("users_broken.csv:2: site:") != std::string::npos);
  CHECK(broken.err.find("users_broken.csv:6: pin:") != std::string::npos);
  CHECK(broken.err.find("12a4x") == std::string::npos);  // a PIN is never quoted back

  const auto device = dir / "device";
  REQUIRE(
      run_command({RECOUNT_AGENT_BIN, "status", "--data", device.string(), "--site", "store-1", "--device", "dev-9"})
          .exit_code == 0);
  {
    AgentDaemon agent(device, broker.uri(), hub.key_file());
    // The catalog without users first: any name is taken.
    bool catalog = false;
    for (int attempt = 0; attempt < 200 && !catalog; ++attempt) {
      catalog = agent_scan(device, "#user bob\nLOC-A-01\n").out.find("ok: location A-01") != std::string::npos;
      if (!catalog) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(catalog);
    const auto users = run_command(
        {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "users", catalog_fixture("users.csv")});
    CHECK(users.exit_code == 0);
    CHECK(users.out.find("3 users in 2 site(s), 0 removed; catalog version 3") != std::string::npos);
    const auto again = run_command(
        {RECOUNTCTL_BIN, "--hub", hub.url(), "--token", hub.token(), "import", "users", catalog_fixture("users.csv")});
    CHECK(again.out.find("unchanged, catalog version 3") != std::string::npos);
    bool known = false;
    for (int attempt = 0; attempt < 200 && !known; ++attempt) {
      known = agent_scan(device, "#user bob\n").out.find("refused: UNKNOWN BADGE bob") != std::string::npos;
      if (!known) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(known);
    agent.stop();
  }

  const auto result = agent_scan(
      device, "#user bob\nLOC-A-01\n5901234123457\n#user B-0193\n0000\n4711\nLOC-A-01\n5901234123457\n#close\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused: UNKNOWN BADGE bob: not a user of this site") != std::string::npos);
  CHECK(result.out.find("refused: SCAN YOUR BADGE FIRST") != std::string::npos);  // bob's scan: not counted
  CHECK(result.out.find("ok: ENTER THE PIN FOR B-0193") != std::string::npos);
  CHECK(result.out.find("refused: WRONG PIN FOR B-0193: 2 TRIES LEFT") != std::string::npos);
  CHECK(result.out.find("ok: user B-0193 (Ann Lee)") != std::string::npos);
  CHECK(result.out.find("4711") == std::string::npos);
  const auto journal = agent_journal(device);
  REQUIRE(journal.size() == 2);
  CHECK(journal[0].value("type", "") == "count");
  CHECK(journal[0].value("user", "") == "B-0193");
  CHECK(journal[1].value("type", "") == "location_closed");
  CHECK(journal[1].value("user", "") == "B-0193");
}

}  // namespace recount::testing
