// When a delivery that failed is tried again: exponential backoff with jitter up to a cap, and a
// bounded number of attempts (docs/corrections.md §Retries).
#pragma once

#include <cstdint>
#include <optional>

namespace recount::hub::delivery {

struct RetryPolicy {
  std::int64_t first_delay_ms = 1'000;  // after the first failed attempt (before jitter)
  std::int64_t max_delay_ms = 300'000;  // the cap: 5 minutes
  std::int64_t max_attempts = 8;        // then the delivery fails and waits for an operator
};

// How long to wait after the `attempts_made`-th failed attempt (1 for the first): the delay
// doubles from first_delay_ms up to max_delay_ms, and `random` (any 64 random bits) picks a point
// in its upper half, so that many deliveries failing together do not all retry together.
// nullopt when attempts_made has reached max_attempts. Pure.
std::optional<std::int64_t> retry_delay_ms(const RetryPolicy& policy, std::int64_t attempts_made, std::uint64_t random);

}  // namespace recount::hub::delivery
