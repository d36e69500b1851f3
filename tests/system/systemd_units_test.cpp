// The committed units (systemd/): `systemd-analyze verify` clean with the binaries at the
// build's paths, Type=notify with a watchdog for both daemons, and the agent hardened as the hub.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

std::filesystem::path unit_source(const std::string& name) {
  return std::filesystem::path(RECOUNT_SOURCE_DIR) / "systemd" / name;
}

// The unit's [Service] lines that are settings ("Key=value"), without comments.
std::set<std::string> service_settings(const std::string& name) {
  std::istringstream lines(read_file(unit_source(name)));
  std::set<std::string> settings;
  bool in_service = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '[') in_service = line == "[Service]";
    if (in_service && line.find('=') != std::string::npos && line.front() != '#') settings.insert(line);
  }
  return settings;
}

// What systemd-analyze says of the unit `name` with /usr/bin/NAME replaced by the build's binary
// (verify checks that ExecStart's program exists).
CommandResult verify(const TempDir& dir, const std::string& name, const std::string& program,
                     const std::string& binary) {
  std::string unit = read_file(unit_source(name));
  const std::string installed = "/usr/bin/" + program;
  const auto at = unit.find(installed);
  REQUIRE(at != std::string::npos);
  unit.replace(at, installed.size(), binary);
  std::ofstream(dir / name) << unit;
  return run_command({"systemd-analyze", "verify", (dir / name).string()});
}

TEST_CASE("systemd units: systemd-analyze verify finds nothing to say about either unit") {
  TempDir dir;
  if (run_command({"sh", "-c", "command -v systemd-analyze"}).exit_code != 0) {
    MESSAGE("systemd-analyze skipped: the command is missing (scripts/setup installs Debian's systemd package)");
    return;
  }
  struct Unit {
    const char* name;
    const char* program;
    const char* binary;
  };
  for (const auto& unit : {Unit{"recount-agent.service", "recount-agent", RECOUNT_AGENT_BIN},
                           Unit{"recount-hub.service", "recount-hub", RECOUNT_HUB_BIN}}) {
    CAPTURE(unit.name);
    const auto result = verify(dir, unit.name, unit.program, unit.binary);
    INFO(result.out, result.err);
    CHECK(result.exit_code == 0);
    // Unknown keys and bad values are warnings with exit code 0: clean means silent.
    CHECK(result.err.empty());
    CHECK(result.out.empty());
  }
}

TEST_CASE("systemd units: both daemons are Type=notify with a watchdog and restart on failure") {
  for (const char* name : {"recount-agent.service", "recount-hub.service"}) {
    CAPTURE(name);
    const auto settings = service_settings(name);
    for (const char* expected : {"Type=notify", "NotifyAccess=main", "WatchdogSec=30s", "Restart=on-failure"}) {
      CHECK_MESSAGE(settings.count(expected) == 1, expected);
    }
  }
}

TEST_CASE("systemd units: the agent runs as its own user with every hardening setting of the hub") {
  const auto agent = service_settings("recount-agent.service");
  CHECK(agent.count("User=recount-agent") == 1);
  CHECK(agent.count("Group=recount-agent") == 1);
  // The journal is shared with the group (a kiosk's scan UI): group-writable, setgid directory.
  CHECK(agent.count("StateDirectoryMode=2770") == 1);
  CHECK(agent.count("UMask=0007") == 1);
  for (const auto& setting : service_settings("recount-hub.service")) {
    const auto key = setting.substr(0, setting.find('='));
    const bool hardening = key.rfind("Protect", 0) == 0 || key.rfind("Restrict", 0) == 0 ||
                           key.rfind("Private", 0) == 0 || key == "NoNewPrivileges" || key == "CapabilityBoundingSet" ||
                           key == "LockPersonality" || key == "MemoryDenyWriteExecute" ||
                           key.rfind("SystemCall", 0) == 0;
    if (hardening) CHECK_MESSAGE(agent.count(setting) == 1, setting);
  }
}

}  // namespace
}  // namespace recount::testing
