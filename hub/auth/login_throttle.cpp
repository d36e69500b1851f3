// Counting failed logins per address in a sliding window.
#include "hub/auth/login_throttle.hpp"

#include <algorithm>

namespace recount::hub::auth {

void LoginThrottle::expire(std::int64_t now_ms) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() <= now_ms - limits_.window_ms) times.pop_front();
    it = times.empty() ? failures_.erase(it) : std::next(it);
  }
}

bool LoginThrottle::allows(const std::string& address, std::int64_t now_ms) {
  return retry_after_ms(address, now_ms) == 0;
}

std::int64_t LoginThrottle::retry_after_ms(const std::string& address, std::int64_t now_ms) {
  expire(now_ms);
  const auto found = failures_.find(address);
  if (found == failures_.end()) return failures_.size() >= limits_.addresses ? limits_.window_ms : 0;
  const auto& times = found->second;
  if (times.size() < limits_.failures) return 0;
  // The failure that has to age out for the address to be under the limit again.
  return std::max<std::int64_t>(1, times[times.size() - limits_.failures] + limits_.window_ms - now_ms);
}

void LoginThrottle::failed(const std::string& address, std::int64_t now_ms) {
  expire(now_ms);
  if (!failures_.contains(address) && failures_.size() >= limits_.addresses) return;
  auto& times = failures_[address];
  times.push_back(now_ms);
  // More than the limit never changes the answer; keep the memory per address bounded.
  while (times.size() > limits_.failures) times.pop_front();
}

}  // namespace recount::hub::auth
