// The notify protocol over a Unix datagram socket, and its timers.
#include "shared/systemd/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <thread>
#include <utility>

namespace recount::systemd {
namespace {

std::string_view from_environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string_view(value) : std::string_view();
}

Result<std::uint64_t> positive_number(const char* variable, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    return invalid(variable, "must be a positive decimal number, not '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

Result<NotifySettings> parse_notify_settings(std::string_view notify_socket, std::string_view watchdog_usec,
                                             std::string_view watchdog_pid, pid_t self) {
  NotifySettings settings;
  if (!notify_socket.empty()) {
    if (notify_socket.front() != '/' && notify_socket.front() != '@') {
      return invalid("NOTIFY_SOCKET", "must be an absolute path or @name, not '" + std::string(notify_socket) + "'");
    }
    if (notify_socket.size() >= sizeof(sockaddr_un::sun_path)) {
      return invalid("NOTIFY_SOCKET", "is longer than a Unix socket address holds (" +
                                          std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
    }
    settings.socket = notify_socket;
  }
  if (watchdog_usec.empty()) return settings;
  auto usec = positive_number("WATCHDOG_USEC", watchdog_usec);
  if (!usec) return usec.error();
  if (!watchdog_pid.empty()) {
    auto pid = positive_number("WATCHDOG_PID", watchdog_pid);
    if (!pid) return pid.error();
    if (*pid != static_cast<std::uint64_t>(self)) return settings;  // the watchdog is another process's
  }
  settings.watchdog_every = std::chrono::microseconds(*usec / 2);
  return settings;
}

Result<NotifySettings> notify_settings_from_environment() {
  return parse_notify_settings(from_environment("NOTIFY_SOCKET"), from_environment("WATCHDOG_USEC"),
                               from_environment("WATCHDOG_PID"), ::getpid());
}

Result<NotifySocket> NotifySocket::open(const NotifySettings& settings) {
  if (settings.socket.empty()) return NotifySocket(-1, "");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{ErrorCode::kIo, "NOTIFY_SOCKET", std::string("cannot make a socket: ") + strerror(errno)};
  std::string address = settings.socket;
  if (address.front() == '@') address.front() = '\0';  // the abstract namespace
  return NotifySocket(fd, std::move(address));
}

NotifySocket::NotifySocket(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}

NotifySocket::NotifySocket(NotifySocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(std::move(other.address_)) {}

NotifySocket& NotifySocket::operator=(NotifySocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
  }
  return *this;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> NotifySocket::send(std::string_view state) const {
  if (fd_ < 0) return Ok{};
  sockaddr_un peer{};
  peer.sun_family = AF_UNIX;
  std::memcpy(peer.sun_path, address_.data(), address_.size());
  // An abstract name is exactly its bytes long; a path ends at its NUL, which the length counts.
  const auto length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + (address_.front() == '\0' ? 0 : 1));
  const auto sent = ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&peer), length);
  if (sent < 0) {
    std::string name = address_;
    if (name.front() == '\0') name.front() = '@';
    return Error{ErrorCode::kUnavailable, "NOTIFY_SOCKET", "cannot notify " + name + ": " + strerror(errno)};
  }
  return Ok{};
}

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, NotifySocket socket, const NotifySettings& settings,
                                 std::function<std::string()> describe, std::ostream& log,
                                 std::chrono::milliseconds status_every)
    : socket_(std::move(socket)),
      watchdog_every_(settings.watchdog_every),
      describe_(std::move(describe)),
      log_(log),
      status_every_(status_every),
      status_timer_(io),
      watchdog_timer_(io) {}

void ServiceNotifier::ready() {
  if (!socket_.enabled()) return;
  last_status_ = describe_();
  send("READY=1\nSTATUS=" + last_status_);
  arm_status();
  if (watchdog_every_) {
    send("WATCHDOG=1");
    arm_watchdog();
  }
}

void ServiceNotifier::stopping() {
  stopped_ = true;
  status_timer_.cancel();
  watchdog_timer_.cancel();
  send("STOPPING=1\nSTATUS=stopping");
}

void ServiceNotifier::send(const std::string& state) {
  auto sent = socket_.send(state);
  if (!sent && !std::exchange(reported_failure_, true)) {
    log_ << "systemd notify: " << sent.error().describe() << " (further failures not shown)" << std::endl;
  }
}

void ServiceNotifier::arm_status() {
  status_timer_.expires_after(status_every_);
  status_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    if (auto status = describe_(); status != last_status_) {
      last_status_ = std::move(status);
      send("STATUS=" + last_status_);
    }
    arm_status();
  });
}

void ServiceNotifier::arm_watchdog() {
  // From the io_context the daemon's work runs on: a handler that never returns stops these.
  watchdog_timer_.expires_after(*watchdog_every_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    send("WATCHDOG=1");
    arm_watchdog();
  });
}

std::unique_ptr<boost::asio::signal_set> arm_test_hang(boost::asio::io_context& io, TestHang hang) {
  if (hang == TestHang::kNone) return nullptr;
  auto signals = std::make_unique<boost::asio::signal_set>(io, SIGUSR2);
  signals->async_wait([](const boost::system::error_code& error, int) {
    if (error) return;
    while (true) std::this_thread::sleep_for(std::chrono::hours(1));
  });
  return signals;
}

}  // namespace recount::systemd
