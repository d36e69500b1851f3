// systemd's service notification protocol (sd_notify(3)) spoken by recount-agent and recount-hub:
// READY, STATUS, WATCHDOG and STOPPING datagrams to $NOTIFY_SOCKET, the watchdog timer on the
// daemon's io_context. Written here over a plain socket rather than by linking libsystemd: the
// protocol is one datagram per message, and the agent also runs where libsystemd is absent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared/core/result.hpp"

namespace recount::systemd {

// What the service manager asked for, from the environment it set.
struct NotifySettings {
  std::string socket;  // an absolute path, or "@name" for the abstract namespace; empty: not under systemd
  // Half of WATCHDOG_USEC, the interval sd_watchdog_enabled(3) recommends; none when the
  // watchdog is off or WATCHDOG_PID names another process.
  std::optional<std::chrono::microseconds> watchdog_every;
};

// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (empty strings mean unset) for the
// process `self`. Errors (kInvalidInput, naming the variable): a socket that is neither an
// absolute path nor "@name" or longer than a socket address holds; WATCHDOG_USEC or
// WATCHDOG_PID that is not a positive decimal number.
Result<NotifySettings> parse_notify_settings(std::string_view notify_socket, std::string_view watchdog_usec,
                                             std::string_view watchdog_pid, pid_t self);

// parse_notify_settings on this process's environment and pid.
Result<NotifySettings> notify_settings_from_environment();

// One connectionless socket to the service manager. Thread-compatible (one thread at a time).
class NotifySocket {
 public:
  // Opens a datagram socket for settings.socket; nothing to open when it is empty (then send()
  // does nothing). Errors: kIo when the socket cannot be made.
  static Result<NotifySocket> open(const NotifySettings& settings);
  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&& other) noexcept;
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket();

  bool enabled() const { return fd_ >= 0; }

  // Sends `state` ("READY=1\nSTATUS=syncing") as one datagram. Never blocks: a manager that is
  // not reading loses the message, as with sd_notify. Errors: kUnavailable when the datagram
  // cannot be sent (no listener, queue full), with the socket's name and the reason.
  Result<void> send(std::string_view state) const;

 private:
  NotifySocket(int fd, std::string address);
  int fd_ = -1;
  std::string address_;  // sockaddr_un bytes, "@" already turned into NUL
};

// The daemon's side of the protocol, on its io_context (which must have one thread; not
// thread-safe). `describe` says what the daemon does in a line ("syncing, backlog 12"); it is
// asked every status_every and sent as STATUS= when the line changed. Send failures are written
// to `log` once per kind and otherwise ignored: the daemon runs on without its manager.
class ServiceNotifier {
 public:
  ServiceNotifier(boost::asio::io_context& io, NotifySocket socket, const NotifySettings& settings,
                  std::function<std::string()> describe, std::ostream& log,
                  std::chrono::milliseconds status_every = std::chrono::seconds(2));
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // READY=1 with the current STATUS=, then the status and watchdog timers. Call once, when the
  // daemon's state is open and its broker link is up or retrying.
  void ready();
  // STOPPING=1 and the timers cancelled. Call once, when an orderly stop begins.
  void stopping();

 private:
  void send(const std::string& state);
  void arm_status();
  void arm_watchdog();

  NotifySocket socket_;
  std::optional<std::chrono::microseconds> watchdog_every_;
  std::function<std::string()> describe_;
  std::ostream& log_;
  std::chrono::milliseconds status_every_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer watchdog_timer_;
  std::string last_status_;
  bool reported_failure_ = false;
  bool stopped_ = false;
};

// A test hook behind a hidden option of both daemons (`--test-hang-on-sigusr2`): with kOnSigusr2
// the first SIGUSR2 runs a handler that never returns, as a deadlocked handler would, so that a
// test sees the watchdog go quiet (and nothing else: the process then only dies by SIGKILL).
// Returns the signal set to keep until io.run() returns; nullptr with kNone.
enum class TestHang { kNone, kOnSigusr2 };
std::unique_ptr<boost::asio::signal_set> arm_test_hang(boost::asio::io_context& io, TestHang hang);

}  // namespace recount::systemd
