// The service manager's end of the notify protocol for tests: a Unix datagram socket the test
// owns, whose name goes into a daemon's NOTIFY_SOCKET, and the messages that arrive on it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace recount::testing {

struct Notification {
  std::string text;  // the datagram, e.g. "READY=1\nSTATUS=syncing, backlog 0"
  std::chrono::steady_clock::time_point arrived;
};

// Bound at construction; closed at destruction. Not thread-safe.
class NotifyListener {
 public:
  enum class Namespace { kPath, kAbstract };
  // kPath binds `dir`/notify.sock; kAbstract binds a random abstract name (`dir` unused).
  NotifyListener(const std::filesystem::path& dir, Namespace space);
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;
  ~NotifyListener();

  // The value for NOTIFY_SOCKET: the path, or "@name".
  const std::string& address() const { return address_; }

  // Waits up to `timeout` for the next datagram; nullopt when none came.
  std::optional<Notification> receive(std::chrono::milliseconds timeout);
  // Receives until a datagram holds `line` as one of its lines or `timeout` passed; every datagram
  // received on the way is kept in history(). Returns the matching one.
  std::optional<Notification> wait_for(const std::string& line, std::chrono::milliseconds timeout);
  const std::vector<Notification>& history() const { return history_; }

 private:
  int fd_ = -1;
  std::string address_;
  std::vector<Notification> history_;
};

// Whether `text` holds `line` as one of its newline-separated lines.
bool has_line(const std::string& text, const std::string& line);

}  // namespace recount::testing
