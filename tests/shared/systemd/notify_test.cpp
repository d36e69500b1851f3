// The notify protocol against a socket the test owns: what the environment asks for, datagrams to
// a path and to an abstract name, READY with STATUS, status changes, WATCHDOG at half of
// WATCHDOG_USEC from the io_context, STOPPING, and silence without NOTIFY_SOCKET.
#include "shared/systemd/notify.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "tests/support/notify_listener.hpp"
#include "tests/support/process.hpp"

namespace recount::systemd {
namespace {

using recount::testing::has_line;
using recount::testing::NotifyListener;
using namespace std::chrono_literals;

NotifySocket open_socket(const NotifySettings& settings) {
  auto socket = NotifySocket::open(settings);
  REQUIRE(socket.has_value());
  return std::move(*socket);
}

TEST_CASE("notify settings: nothing is asked without NOTIFY_SOCKET, and the watchdog runs at half its interval") {
  auto none = parse_notify_settings("", "", "", 42);
  REQUIRE(none.has_value());
  CHECK(none->socket.empty());
  CHECK_FALSE(none->watchdog_every.has_value());

  auto ours = parse_notify_settings("/run/systemd/notify", "30000000", "42", 42);
  REQUIRE(ours.has_value());
  CHECK(ours->socket == "/run/systemd/notify");
  REQUIRE(ours->watchdog_every.has_value());
  CHECK(*ours->watchdog_every == 15s);

  auto unnamed_pid = parse_notify_settings("@abstract", "2000000", "", 42);
  REQUIRE(unnamed_pid.has_value());
  CHECK(*unnamed_pid->watchdog_every == 1s);
}

TEST_CASE("notify settings: a watchdog meant for another process is not ours to feed") {
  auto other = parse_notify_settings("/run/systemd/notify", "30000000", "41", 42);
  REQUIRE(other.has_value());
  CHECK_FALSE(other->watchdog_every.has_value());
}

TEST_CASE("notify settings: malformed variables are refused, naming the variable") {
  auto relative = parse_notify_settings("run/notify", "", "", 1);
  REQUIRE_FALSE(relative.has_value());
  CHECK(relative.error().field == "NOTIFY_SOCKET");
  auto too_long = parse_notify_settings("/" + std::string(200, 'x'), "", "", 1);
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().field == "NOTIFY_SOCKET");
  for (const char* usec : {"0", "-5", "30s", "12x"}) {
    auto bad = parse_notify_settings("/run/notify", usec, "", 1);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().field == "WATCHDOG_USEC");
    CHECK(bad.error().message.find(usec) != std::string::npos);
  }
  auto bad_pid = parse_notify_settings("/run/notify", "1000000", "me", 1);
  REQUIRE_FALSE(bad_pid.has_value());
  CHECK(bad_pid.error().field == "WATCHDOG_PID");
}

TEST_CASE("notify socket: a datagram reaches a socket bound to a path and one in the abstract namespace") {
  recount::testing::TempDir dir;
  for (auto space : {NotifyListener::Namespace::kPath, NotifyListener::Namespace::kAbstract}) {
    NotifyListener listener(dir.path(), space);
    auto socket = open_socket({listener.address(), std::nullopt});
    CHECK(socket.enabled());
    REQUIRE(socket.send("READY=1\nSTATUS=up").has_value());
    auto received = listener.receive(5s);
    REQUIRE(received.has_value());
    CHECK(received->text == "READY=1\nSTATUS=up");
  }
}

TEST_CASE("notify socket: without NOTIFY_SOCKET it is off and sending does nothing") {
  auto socket = open_socket({});
  CHECK_FALSE(socket.enabled());
  CHECK(socket.send("READY=1").has_value());
}

TEST_CASE("notify socket: a manager that is not there is an error naming the socket") {
  recount::testing::TempDir dir;
  auto socket = open_socket({(dir / "gone.sock").string(), std::nullopt});
  auto sent = socket.send("READY=1");
  REQUIRE_FALSE(sent.has_value());
  CHECK(sent.error().code == ErrorCode::kUnavailable);
  CHECK(sent.error().message.find("gone.sock") != std::string::npos);
}

TEST_CASE("service notifier: READY carries the status, a changed status is sent, WATCHDOG follows its interval") {
  recount::testing::TempDir dir;
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kAbstract);
  const NotifySettings settings{listener.address(), std::chrono::microseconds(200'000)};
  boost::asio::io_context io;
  std::string status = "broker down, retrying";
  std::ostringstream log;
  ServiceNotifier notifier(
      io, open_socket(settings), settings, [&] { return status; }, log, 50ms);
  notifier.ready();
  auto ready = listener.receive(5s);
  REQUIRE(ready.has_value());
  CHECK(ready->text == "READY=1\nSTATUS=broker down, retrying");

  status = "syncing, backlog 3";
  std::vector<std::chrono::steady_clock::time_point> watchdogs;
  bool status_seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((watchdogs.size() < 4 || !status_seen) && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
    while (auto message = listener.receive(0ms)) {
      if (message->text == "WATCHDOG=1") watchdogs.push_back(message->arrived);
      if (message->text == "STATUS=syncing, backlog 3") status_seen = true;
    }
  }
  CHECK(status_seen);
  REQUIRE(watchdogs.size() >= 4);
  // The first WATCHDOG goes with READY; each next one waits its whole interval (a timer never
  // fires early), so no two come closer than 200 ms / 2.
  for (std::size_t i = 2; i < watchdogs.size(); ++i) CHECK(watchdogs[i] - watchdogs[i - 1] >= 95ms);

  notifier.stopping();
  io.restart();
  io.run_for(300ms);
  bool stopping_seen = false;
  std::size_t after_stopping = 0;
  while (auto message = listener.receive(0ms)) {
    if (stopping_seen) ++after_stopping;
    if (has_line(message->text, "STOPPING=1")) stopping_seen = true;
  }
  CHECK(stopping_seen);
  CHECK(after_stopping == 0);
  CHECK(log.str().empty());
}

TEST_CASE("service notifier: without a watchdog interval no WATCHDOG is sent") {
  recount::testing::TempDir dir;
  NotifyListener listener(dir.path(), NotifyListener::Namespace::kPath);
  const NotifySettings settings{listener.address(), std::nullopt};
  boost::asio::io_context io;
  std::ostringstream log;
  ServiceNotifier notifier(
      io, open_socket(settings), settings, [] { return std::string("idle"); }, log, 20ms);
  notifier.ready();
  io.run_for(200ms);
  notifier.stopping();
  std::vector<std::string> received;
  while (auto message = listener.receive(0ms)) received.push_back(message->text);
  CHECK(received == std::vector<std::string>{"READY=1\nSTATUS=idle", "STOPPING=1\nSTATUS=stopping"});
}

TEST_CASE("service notifier: a lost manager is reported once and the daemon goes on") {
  recount::testing::TempDir dir;
  const NotifySettings settings{(dir / "gone.sock").string(), std::chrono::microseconds(20'000)};
  boost::asio::io_context io;
  std::ostringstream log;
  ServiceNotifier notifier(
      io, open_socket(settings), settings, [] { return std::string("idle"); }, log, 10ms);
  notifier.ready();
  io.run_for(100ms);
  notifier.stopping();
  const auto text = log.str();
  CHECK(text.find("gone.sock") != std::string::npos);
  CHECK(text.find("gone.sock", text.find("gone.sock") + 1) == std::string::npos);
}

}  // namespace
}  // namespace recount::systemd
