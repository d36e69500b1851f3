// A device's first start provisioned by its unit, through the real recount-agent: the hub's bundle
// as a systemd credential ($CREDENTIALS_DIRECTORY) or the unit's environment, the precedence of
// flags, a journal of another device refused naming both, a credential every user can read refused.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>

#include "shared/protocol/device_bundle.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

using namespace std::chrono_literals;
using std::filesystem::perms;

// A credentials directory as LoadCredential= makes it: the bundle, readable by its owner only.
std::filesystem::path write_credentials(const std::filesystem::path& dir, const std::string& device,
                                        const std::string& broker_uri, const std::filesystem::path& hub_key) {
  protocol::DeviceBundle bundle;
  bundle.site = "s1";
  bundle.device = device;
  bundle.broker = broker_uri;
  bundle.username = protocol::device_username("s1", device);
  bundle.password = "unused-by-an-open-broker";
  bundle.hub_key_pem = read_file(hub_key);
  std::filesystem::create_directories(dir);
  const auto file = dir / "recount-device-bundle";
  std::ofstream(file) << protocol::encode_bundle(bundle);
  std::filesystem::permissions(file, perms::owner_read);
  return dir;
}

std::vector<std::string> with_environment(std::vector<std::string> variables, const std::vector<std::string>& command) {
  variables.insert(variables.begin(), "env");
  variables.insert(variables.end(), command.begin(), command.end());
  return variables;
}

// `recount-agent run --data DATA` with the credentials in `credentials`, expected to be refused.
CommandResult run_refused(const std::filesystem::path& credentials, const std::filesystem::path& data) {
  auto result = run_command(with_environment({"CREDENTIALS_DIRECTORY=" + credentials.string()},
                                             {RECOUNT_AGENT_BIN, "run", "--data", data.string()}),
                            "", std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  return result;
}

TEST_CASE("provisioned by its credential, a fresh device creates its journal, stores the link and syncs") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  const auto credentials = write_credentials(dir / "credentials", "d7", broker.uri(), hub.key_file());
  const auto data = dir / "device";
  Process agent(with_environment({"CREDENTIALS_DIRECTORY=" + credentials.string()},
                                 {RECOUNT_AGENT_BIN, "run", "--data", data.string()}),
                dir / "agent");
  REQUIRE(eventually([&] { return agent.output().find("recount-agent syncing") != std::string::npos; }, 20s));
  CHECK(agent.output().find("device d7 of site s1 via " + broker.uri()) != std::string::npos);
  CHECK(agent.errors().find("WARNING: no hub key") == std::string::npos);  // the bundle's key is trusted

  auto recorded = run_command({RECOUNT_AGENT_BIN, "record", "--data", data.string(), "count", "--location", "A-01",
                               "--sku", "SKU-1", "--qty", "4"});
  REQUIRE(recorded.exit_code == 0);
  CHECK(eventually(
      [&] {
        const auto status = agent_status(data);
        // The count, and whatever the agent recorded on its own since (a task list's ack).
        return status["last_seq"] >= 1 && status["last_acked_seq"] == status["last_seq"];
      },
      60s, 200ms));
  CHECK(agent.stop(SIGTERM) == 0);

  // A later start needs nothing but the data directory: the link and the key are stored.
  Process again({RECOUNT_AGENT_BIN, "run", "--data", data.string()}, dir / "again");
  CHECK(eventually([&] { return again.output().find("device d7 of site s1") != std::string::npos; }, 20s));
  CHECK(again.stop(SIGTERM) == 0);
}

TEST_CASE("a credential for another device than the journal's is refused, naming both and the credential") {
  TempDir dir;
  Mosquitto broker;
  const auto key = hub_key_file(dir / "hub");
  record_events(dir / "device", "s1", "d1", 1, 1);
  const auto credentials = write_credentials(dir / "credentials", "d7", broker.uri(), key);
  const auto refused = run_refused(credentials, dir / "device");
  INFO(refused.err);
  CHECK(refused.err.find("credential recount-device-bundle") != std::string::npos);
  CHECK(refused.err.find("belongs to device d1, not d7") != std::string::npos);
}

TEST_CASE("a credential every user can read is refused before anything is stored") {
  TempDir dir;
  Mosquitto broker;
  const auto credentials = write_credentials(dir / "credentials", "d7", broker.uri(), hub_key_file(dir / "hub"));
  std::filesystem::permissions(credentials / "recount-device-bundle", perms::owner_read | perms::others_read);
  const auto refused = run_refused(credentials, dir / "device");
  INFO(refused.err);
  CHECK(refused.err.find("recount-device-bundle is readable by every user (mode 0404)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "device" / "journal.db"));
  CHECK_FALSE(std::filesystem::exists(dir / "device" / "broker"));
}

TEST_CASE("the unit's environment provisions a device, and a flag given as well wins") {
  TempDir dir;
  Mosquitto broker;
  const auto key = hub_key_file(dir / "hub");
  const std::vector<std::string> environment{"RECOUNT_SITE=s2", "RECOUNT_DEVICE=from-env",
                                             "RECOUNT_BROKER=" + broker.uri(), "RECOUNT_HUB_KEY=" + key.string()};
  Process agent(with_environment(environment, {RECOUNT_AGENT_BIN, "run", "--data", (dir / "env").string()}),
                dir / "env-agent");
  CHECK(eventually([&] { return agent.output().find("device from-env of site s2") != std::string::npos; }, 20s));
  CHECK(agent.errors().find("WARNING: no hub key") == std::string::npos);
  CHECK(agent.stop(SIGTERM) == 0);
  CHECK(agent_status(dir / "env")["device"] == "from-env");

  Process flagged(with_environment(environment, {RECOUNT_AGENT_BIN, "run", "--data", (dir / "flag").string(),
                                                 "--device", "from-flag"}),
                  dir / "flag-agent");
  CHECK(eventually([&] { return flagged.output().find("device from-flag of site s2") != std::string::npos; }, 20s));
  CHECK(flagged.stop(SIGTERM) == 0);
}

}  // namespace
}  // namespace recount::testing
