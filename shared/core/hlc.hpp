// Hybrid logical clock (Kulkarni et al.): stamps that stay near wall time, never go backwards,
// and move past every stamp received from a peer, so "before/after" survives skewed clocks.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

namespace recount {

// Milliseconds since the Unix epoch; injected so tests control time.
using WallClock = std::function<std::int64_t()>;
WallClock system_wall_clock();

// A stamp packs 48 bits of milliseconds and a 16-bit logical counter into one integer, so stamps
// compare with < and fit in one SQLite INTEGER column.
struct HlcStamp {
  std::uint64_t packed = 0;

  static HlcStamp from_parts(std::int64_t wall_ms, std::uint16_t logical);
  std::int64_t wall_ms() const { return static_cast<std::int64_t>(packed >> 16); }
  std::uint16_t logical() const { return static_cast<std::uint16_t>(packed & 0xFFFFu); }
  auto operator<=>(const HlcStamp&) const = default;
};

// Thread-safe: now() and observe() may be called from any thread.
class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(WallClock wall = system_wall_clock());

  // A stamp greater than every stamp this clock returned or observed before.
  HlcStamp now();

  // Moves the clock past a stamp received from elsewhere (a hub ack, another device's event).
  // Returns the new local stamp. Stamps more than kMaxForwardMs ahead of our wall clock are
  // clamped there, so one peer with a clock set to 2099 cannot drag everyone into the future.
  HlcStamp observe(HlcStamp remote);

  // Continues after `stamp`, one this device issued itself (its journal's newest), without the
  // clamp of observe(): a device whose wall clock stepped back across a restart still stamps
  // above everything it stamped before. Never moves the clock back.
  void resume(HlcStamp stamp);

  // The newest stamp returned, observed or resumed from (0 before any); does not advance.
  HlcStamp latest();

  static constexpr std::int64_t kMaxForwardMs = 24LL * 3600 * 1000;

 private:
  HlcStamp advance(std::int64_t physical_floor, HlcStamp floor);

  WallClock wall_;
  std::mutex mutex_;
  HlcStamp last_{};
};

}  // namespace recount
