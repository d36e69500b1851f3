// The agent's ack timeout.
#include "agent/sync/ack_timeout.hpp"

#include <algorithm>

namespace recount::agent {

std::chrono::milliseconds AckTimeout::wait() const {
  auto wait = smoothed_ ? std::max(limits_.floor, *smoothed_ + 4 * variation_) : limits_.initial;
  // Doubling stops once at the ceiling: the shift never overflows however long the hub is away.
  for (int i = 0; i < resends_ && wait < limits_.ceiling; ++i) wait *= 2;
  return std::min(wait, limits_.ceiling);
}

void AckTimeout::measured(std::chrono::milliseconds round_trip) {
  if (!smoothed_) {
    // RFC 6298 §2.2: the first measurement.
    smoothed_ = round_trip;
    variation_ = round_trip / 2;
    return;
  }
  // §2.3, with alpha 1/8 and beta 1/4.
  const auto deviation = round_trip > *smoothed_ ? round_trip - *smoothed_ : *smoothed_ - round_trip;
  variation_ = (3 * variation_ + deviation) / 4;
  smoothed_ = (7 * *smoothed_ + round_trip) / 8;
}

}  // namespace recount::agent
