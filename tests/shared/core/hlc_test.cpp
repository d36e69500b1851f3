// The hybrid logical clock with an injected wall clock: monotonic, near wall time, and past every
// stamp observed from a peer, within a bounded leap forward.
#include "shared/core/hlc.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace recount {
namespace {

constexpr std::int64_t kStart = 1795714800000;

// A wall clock the test sets by hand.
struct ManualClock {
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(kStart);
  WallClock wall() const {
    return [now = now] { return *now; };
  }
};

}  // namespace

TEST_CASE("a stamp packs milliseconds and a logical counter and orders by both") {
  const HlcStamp stamp = HlcStamp::from_parts(kStart, 7);
  CHECK(stamp.wall_ms() == kStart);
  CHECK(stamp.logical() == 7);
  CHECK(stamp.packed == (static_cast<std::uint64_t>(kStart) << 16 | 7));
  CHECK(HlcStamp::from_parts(kStart, 65535) < HlcStamp::from_parts(kStart + 1, 0));
  CHECK(HlcStamp::from_parts(kStart, 1) < HlcStamp::from_parts(kStart, 2));
  CHECK(HlcStamp::from_parts(-5, 0).wall_ms() == 0);
}

TEST_CASE("now follows the wall clock while it moves forward") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  CHECK(hlc.now() == HlcStamp::from_parts(kStart, 0));
  *clock.now += 10;
  CHECK(hlc.now() == HlcStamp::from_parts(kStart + 10, 0));
}

TEST_CASE("stamps within one millisecond count up the logical counter") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const HlcStamp first = hlc.now();
  const HlcStamp second = hlc.now();
  const HlcStamp third = hlc.now();
  CHECK(second.wall_ms() == kStart);
  CHECK(second.logical() == 1);
  CHECK(third.logical() == 2);
  CHECK(first < second);
}

TEST_CASE("stamps keep increasing when the wall clock goes backwards") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const HlcStamp before = hlc.now();
  *clock.now -= 60'000;  // NTP steps the clock back a minute
  const HlcStamp after = hlc.now();
  CHECK(before < after);
  CHECK(after.wall_ms() == kStart);
  CHECK(after.logical() == 1);
  *clock.now = kStart + 1;
  CHECK(hlc.now() == HlcStamp::from_parts(kStart + 1, 0));
}

TEST_CASE("a full logical counter carries into the next millisecond") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  hlc.observe(HlcStamp::from_parts(kStart, 65534));
  const HlcStamp carried = hlc.now();
  CHECK(carried == HlcStamp::from_parts(kStart + 1, 0));
}

TEST_CASE("observing a stamp from ahead moves the clock past it") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const HlcStamp remote = HlcStamp::from_parts(kStart + 5000, 3);
  const HlcStamp after = hlc.observe(remote);
  CHECK(remote < after);
  CHECK(after == HlcStamp::from_parts(kStart + 5000, 4));
  CHECK(after < hlc.now());
}

TEST_CASE("observing a stamp from behind still returns a new later local stamp") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const HlcStamp local = hlc.now();
  const HlcStamp after = hlc.observe(HlcStamp::from_parts(kStart - 90'000, 0));
  CHECK(local < after);
  CHECK(after.wall_ms() == kStart);
}

TEST_CASE("an absurd future stamp is clamped to the allowed leap ahead of the wall clock") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const std::int64_t year_2099 = 4'070'908'800'000;
  const HlcStamp after = hlc.observe(HlcStamp::from_parts(year_2099, 0));
  CHECK(after.wall_ms() == kStart + HybridLogicalClock::kMaxForwardMs);
  CHECK(after.wall_ms() < year_2099);
  // A stamp exactly at the limit is taken as it is.
  HybridLogicalClock other(clock.wall());
  const HlcStamp at_limit = HlcStamp::from_parts(kStart + HybridLogicalClock::kMaxForwardMs, 9);
  CHECK(other.observe(at_limit) == HlcStamp::from_parts(kStart + HybridLogicalClock::kMaxForwardMs, 10));
}

TEST_CASE("resuming from the device's own newest stamp is not clamped, so stamps go on increasing") {
  ManualClock clock;
  const std::int64_t thirty_days = 30LL * 24 * 3600 * 1000;
  const HlcStamp newest = HlcStamp::from_parts(kStart + thirty_days, 3);
  HybridLogicalClock hlc(clock.wall());
  hlc.resume(newest);
  CHECK(hlc.latest() == newest);
  CHECK(hlc.now() > newest);
  // observe() would have clamped the same stamp to a day ahead of the wall clock.
  HybridLogicalClock observed(clock.wall());
  CHECK(observed.observe(newest) < newest);
}

TEST_CASE("resuming from an older stamp never moves the clock back") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  const HlcStamp taken = hlc.now();
  hlc.resume(HlcStamp::from_parts(kStart - 1000, 0));
  CHECK(hlc.latest() == taken);
  CHECK(hlc.now() > taken);
}

TEST_CASE("latest reads the clock without advancing it") {
  ManualClock clock;
  HybridLogicalClock hlc(clock.wall());
  CHECK(hlc.latest() == HlcStamp{});
  const HlcStamp taken = hlc.now();
  CHECK(hlc.latest() == taken);
  CHECK(hlc.latest() == taken);
}

TEST_CASE("stamps taken from many threads at once are all distinct") {
  ManualClock clock;  // a frozen wall clock makes every stamp depend on the logical counter
  HybridLogicalClock hlc(clock.wall());
  std::vector<std::vector<std::uint64_t>> stamps(4);
  std::vector<std::thread> threads;
  threads.reserve(stamps.size());
  for (auto& mine : stamps) {
    threads.emplace_back([&hlc, &mine] {
      for (int i = 0; i < 2000; ++i) mine.push_back(hlc.now().packed);
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::uint64_t> all;
  for (const auto& mine : stamps) all.insert(mine.begin(), mine.end());
  CHECK(all.size() == 8000);
}

TEST_CASE("the system wall clock reads the present in milliseconds") {
  const std::int64_t now = system_wall_clock()();
  CHECK(now > 1'700'000'000'000);  // after November 2023
  CHECK(now < 4'102'444'800'000);  // before 2100
}

}  // namespace recount
