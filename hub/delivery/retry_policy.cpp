// Exponential backoff with jitter.
#include "hub/delivery/retry_policy.hpp"

#include <algorithm>

namespace recount::hub::delivery {

std::optional<std::int64_t> retry_delay_ms(const RetryPolicy& policy, std::int64_t attempts_made,
                                           std::uint64_t random) {
  if (attempts_made >= policy.max_attempts) return std::nullopt;
  std::int64_t delay = std::max<std::int64_t>(policy.first_delay_ms, 1);
  for (std::int64_t i = 1; i < attempts_made && delay < policy.max_delay_ms; ++i) delay *= 2;
  delay = std::min(delay, std::max<std::int64_t>(policy.max_delay_ms, 1));
  const std::int64_t half = delay / 2;
  return delay - half + static_cast<std::int64_t>(random % static_cast<std::uint64_t>(half + 1));
}

}  // namespace recount::hub::delivery
