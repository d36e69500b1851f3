// Hybrid logical clock.
#include "shared/core/hlc.hpp"

#include <algorithm>
#include <chrono>

namespace recount {

WallClock system_wall_clock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

HlcStamp HlcStamp::from_parts(std::int64_t wall_ms, std::uint16_t logical) {
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(wall_ms, 0)) & ((1ULL << 48) - 1);
  return HlcStamp{(ms << 16) | logical};
}

HybridLogicalClock::HybridLogicalClock(WallClock wall) : wall_(std::move(wall)) {}

HlcStamp HybridLogicalClock::now() {
  std::lock_guard lock(mutex_);
  return advance(wall_(), last_);
}

HlcStamp HybridLogicalClock::observe(HlcStamp remote) {
  std::lock_guard lock(mutex_);
  const std::int64_t wall = wall_();
  if (remote.wall_ms() > wall + kMaxForwardMs) remote = HlcStamp::from_parts(wall + kMaxForwardMs, 0);
  return advance(wall, std::max(last_, remote));
}

void HybridLogicalClock::resume(HlcStamp stamp) {
  std::lock_guard lock(mutex_);
  last_ = std::max(last_, stamp);
}

HlcStamp HybridLogicalClock::latest() {
  std::lock_guard lock(mutex_);
  return last_;
}

// The next stamp after `floor`: wall time if it moved past the floor, otherwise the floor's
// millisecond with the logical counter bumped (carrying into the millisecond on overflow).
HlcStamp HybridLogicalClock::advance(std::int64_t physical, HlcStamp floor) {
  if (physical > floor.wall_ms()) {
    last_ = HlcStamp::from_parts(physical, 0);
  } else {
    last_ = HlcStamp{floor.packed + 1};
  }
  return last_;
}

}  // namespace recount
