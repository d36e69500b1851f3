// A notify socket owned by a test.
#include "tests/support/notify_listener.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

namespace recount::testing {

NotifyListener::NotifyListener(const std::filesystem::path& dir, Namespace space) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socklen_t length = 0;
  if (space == Namespace::kPath) {
    address_ = (dir / "notify.sock").string();
    std::memcpy(address.sun_path, address_.c_str(), address_.size() + 1);
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + 1);
  } else {
    address_ = "@recount-test-" + std::to_string(std::random_device{}());
    std::memcpy(address.sun_path, address_.data(), address_.size());
    address.sun_path[0] = '\0';
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  }
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    ::close(fd_);
    throw std::runtime_error("bind " + address_ + ": " + strerror(errno));
  }
}

NotifyListener::~NotifyListener() { ::close(fd_); }

std::optional<Notification> NotifyListener::receive(std::chrono::milliseconds timeout) {
  pollfd ready{fd_, POLLIN, 0};
  if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buffer[4096];
  const auto size = ::recv(fd_, buffer, sizeof buffer, 0);
  if (size < 0) return std::nullopt;
  Notification notification{std::string(buffer, static_cast<std::size_t>(size)), std::chrono::steady_clock::now()};
  history_.push_back(notification);
  return notification;
}

std::optional<Notification> NotifyListener::wait_for(const std::string& line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto notification = receive(left);
    if (!notification) return std::nullopt;
    if (has_line(notification->text, line)) return notification;
  }
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream lines(text);
  for (std::string each; std::getline(lines, each);) {
    if (each == line) return true;
  }
  return false;
}

}  // namespace recount::testing
