// systemd's notify protocol through the real daemons, with a notify socket the test owns in place
// of the service manager and a real Mosquitto: READY once state is open and the link is up or
// retrying, STATUS lines, WATCHDOG at half of WATCHDOG_USEC, silence when the event loop hangs
// (so systemd would restart the daemon), STOPPING on SIGTERM.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/notify_listener.hpp"
#include "tests/support/postgres.hpp"

namespace recount::testing {
namespace {

using namespace std::chrono_literals;

// WatchdogSec=1s, as systemd passes it: WATCHDOG_USEC, and WATCHDOG_PID naming the daemon (the
// shell execs it, so it keeps the shell's pid).
constexpr const char* kWatchdogUsec = "WATCHDOG_USEC=1000000";
constexpr auto kWatchdogEvery = 500ms;

std::unique_ptr<Process> start_notified(const NotifyListener& listener, const std::vector<std::string>& command,
                                        const std::filesystem::path& log_prefix) {
  std::vector<std::string> argv{
      "/bin/sh",    "-c", "export WATCHDOG_PID=$$; exec env \"$@\"", "sh", "NOTIFY_SOCKET=" + listener.address(),
      kWatchdogUsec};
  argv.insert(argv.end(), command.begin(), command.end());
  return std::make_unique<Process>(std::move(argv), log_prefix);
}

std::string status_of(const Notification& notification) {
  std::istringstream lines(notification.text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("STATUS=", 0) == 0) return line.substr(7);
  }
  return "";
}

// Receives until `count` WATCHDOG=1 arrived (bounded); returns their arrival times.
std::vector<std::chrono::steady_clock::time_point> watchdogs(NotifyListener& listener, std::size_t count) {
  std::vector<std::chrono::steady_clock::time_point> times;
  for (int attempt = 0; attempt < 100 && times.size() < count; ++attempt) {
    if (auto message = listener.wait_for("WATCHDOG=1", 1s)) times.push_back(message->arrived);
  }
  return times;
}

// The watchdog's rhythm, then a hang (SIGUSR2 with --test-hang-on-sigusr2) and its silence.
void check_watchdog_then_hang(NotifyListener& listener, Process& daemon) {
  const auto times = watchdogs(listener, 4);
  REQUIRE(times.size() == 4);
  // A timer never fires early: consecutive WATCHDOGs are at least the interval apart (minus the
  // clock's granularity); the first went with READY.
  for (std::size_t i = 2; i < times.size(); ++i) CHECK(times[i] - times[i - 1] >= kWatchdogEvery - 20ms);

  REQUIRE(::kill(daemon.pid(), SIGUSR2) == 0);
  // What was sent before the loop took the signal: one second's worth, bounded however much comes.
  const auto drained = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < drained) listener.receive(100ms);
  // Six intervals without a beat: systemd (WatchdogSec=1s) would have killed and restarted it.
  CHECK_FALSE(listener.wait_for("WATCHDOG=1", 6 * kWatchdogEvery).has_value());
  CHECK(daemon.running());
  daemon.kill_hard();
}

TEST_CASE("systemd agent: READY with the backlog, STATUS once synced, WATCHDOG, STOPPING on SIGTERM") {
  TempDir dir;
  Mosquitto broker;
  Hub hub(dir / "hub", broker.uri());
  record_events(dir / "device", "s1", "d1", 5, 1);
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kAbstract);
  auto agent = start_notified(listener,
                              {RECOUNT_AGENT_BIN, "run", "--data", (dir / "device").string(), "--mqtt", broker.uri(),
                               "--hub-key", hub.key_file().string()},
                              dir / "agent");
  const auto ready = listener.wait_for("READY=1", 20s);
  REQUIRE(ready.has_value());
  const auto first_status = status_of(*ready);
  CHECK((first_status == "broker down, retrying, backlog 5" || first_status == "syncing, backlog 5" ||
         first_status == "syncing, backlog 0"));
  bool synced = first_status == "syncing, backlog 0";
  for (int attempt = 0; attempt < 60 && !synced; ++attempt) {
    if (auto message = listener.receive(1s)) synced = status_of(*message) == "syncing, backlog 0";
  }
  CHECK(synced);
  CHECK(watchdogs(listener, 2).size() == 2);

  REQUIRE(::kill(agent->pid(), SIGTERM) == 0);
  CHECK(listener.wait_for("STOPPING=1", 20s).has_value());
  CHECK(agent->stop(SIGTERM) == 0);
}

TEST_CASE("systemd agent: READY while the broker is down, saying so, a hung loop stops WATCHDOG") {
  TempDir dir;
  Mosquitto broker;
  broker.stop();
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kPath);
  auto agent = start_notified(listener,
                              {RECOUNT_AGENT_BIN, "run", "--data", (dir / "device").string(), "--site", "s1",
                               "--device", "d1", "--mqtt", broker.uri(), "--test-hang-on-sigusr2"},
                              dir / "agent");
  const auto ready = listener.wait_for("READY=1", 20s);
  REQUIRE(ready.has_value());
  CHECK(status_of(*ready) == "broker down, retrying, backlog 0");
  check_watchdog_then_hang(listener, *agent);
}

TEST_CASE("systemd hub: READY once the API listens with the broker retrying, STATUS when it connects") {
  TempDir dir;
  Mosquitto broker;
  broker.stop();
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kAbstract);
  const int port = free_loopback_port();
  auto hub = start_notified(listener,
                            {RECOUNT_HUB_BIN, "--data", (dir / "hub").string(), "--mqtt", broker.uri(), "--http",
                             "127.0.0.1:" + std::to_string(port)},
                            dir / "hub");
  const auto ready = listener.wait_for("READY=1", 30s);
  REQUIRE(ready.has_value());
  CHECK(status_of(*ready) == "broker down, retrying, 0 batches ingested, 0 queued");
  CHECK(wait_for_port(port, 1s));  // listening before READY was sent

  broker.start();
  bool connected = false;
  for (int attempt = 0; attempt < 60 && !connected; ++attempt) {
    if (auto message = listener.receive(1s)) connected = status_of(*message).rfind("broker connected", 0) == 0;
  }
  CHECK(connected);
  REQUIRE(::kill(hub->pid(), SIGTERM) == 0);
  CHECK(listener.wait_for("STOPPING=1", 20s).has_value());
  CHECK(hub->stop(SIGTERM) == 0);
}

// Not READY while it waits for a PostgreSQL ledger that is down: systemd's start timeout would
// end that wait, so each try extends it, and STATUS says what the hub waits for.
TEST_CASE(
    "systemd hub: waiting for its PostgreSQL ledger it extends the start timeout and says why, and is READY once up") {
  TempDir dir;
  Mosquitto broker;
  PostgresServer server;
  server.stop_immediately();
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kPath);
  auto hub = start_notified(listener,
                            {RECOUNT_HUB_BIN, "--data", (dir / "hub").string(), "--mqtt", broker.uri(), "--http",
                             "127.0.0.1:0", "--ledger", server.url()},
                            dir / "hub");
  const auto extended = listener.wait_for("EXTEND_TIMEOUT_USEC=10000000", 20s);
  REQUIRE_MESSAGE(extended.has_value(), hub->errors());
  CHECK(status_of(*extended).rfind("waiting for the ledger: cannot connect to postgresql://recount@", 0) == 0);
  // Another try 2 s later extends it again.
  CHECK(listener.wait_for("EXTEND_TIMEOUT_USEC=10000000", 10s).has_value());
  for (const auto& notification : listener.history()) CHECK_FALSE(has_line(notification.text, "READY=1"));
  server.start();
  CHECK(listener.wait_for("READY=1", 30s).has_value());
  CHECK(hub->stop(SIGTERM) == 0);
}

TEST_CASE("systemd hub: WATCHDOG from its event loop, silent when the loop hangs") {
  TempDir dir;
  Mosquitto broker;
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kPath);
  auto hub = start_notified(listener,
                            {RECOUNT_HUB_BIN, "--data", (dir / "hub").string(), "--mqtt", broker.uri(), "--http",
                             "127.0.0.1:0", "--test-hang-on-sigusr2"},
                            dir / "hub");
  REQUIRE(listener.wait_for("READY=1", 30s).has_value());
  check_watchdog_then_hang(listener, *hub);
}

TEST_CASE("systemd: without NOTIFY_SOCKET the agent runs as before, and a malformed one is refused by name") {
  TempDir dir;
  Mosquitto broker;
  const auto refused =
      run_command({"env", "NOTIFY_SOCKET=relative/notify", RECOUNT_AGENT_BIN, "run", "--data",
                   (dir / "device").string(), "--site", "s1", "--device", "d1", "--mqtt", broker.uri()});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("NOTIFY_SOCKET") != std::string::npos);

  Process agent({"env", "-u", "NOTIFY_SOCKET", RECOUNT_AGENT_BIN, "run", "--data", (dir / "device").string(), "--site",
                 "s1", "--device", "d1", "--mqtt", broker.uri()},
                dir / "agent");
  CHECK(eventually([&] { return agent.output().find("recount-agent syncing") != std::string::npos; }, 20s));
  CHECK(agent.stop(SIGTERM) == 0);
}

}  // namespace
}  // namespace recount::testing
