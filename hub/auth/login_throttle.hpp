// How many failed logins a client address may make (docs/security.md): a token has 256 random
// bits, so guessing is hopeless anyway; the limit keeps a script from filling the audit log and
// the hub's time with attempts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace recount::hub::auth {

struct ThrottleLimits {
  std::size_t failures = 10;        // per address within window_ms; the next attempt gets 429
  std::int64_t window_ms = 60'000;  // a failure counts for this long
  // Addresses remembered at once; past it, an address not yet remembered is refused too, so a
  // flood from many addresses costs bounded memory (and only new addresses wait it out).
  std::size_t addresses = 10'000;
};

// In memory: a restart forgets the failures. Not thread-safe; use it on the io_context's thread.
class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleLimits limits = {}) : limits_(limits) {}

  // Whether `address` may try to log in at now_ms: fewer than limits.failures failures in the
  // window before it.
  bool allows(const std::string& address, std::int64_t now_ms);

  // Counts a failed login of `address`.
  void failed(const std::string& address, std::int64_t now_ms);

  // How long until `address` may try again: 0 when it may now.
  std::int64_t retry_after_ms(const std::string& address, std::int64_t now_ms);

 private:
  // Forgets the failures older than the window, and the addresses left with none.
  void expire(std::int64_t now_ms);

  ThrottleLimits limits_;
  std::map<std::string, std::deque<std::int64_t>> failures_;  // per address, oldest first
};

}  // namespace recount::hub::auth
