// The duplicate-scan guard, with an injected clock.
#include "agent/scan/duplicate_guard.hpp"

#include <doctest/doctest.h>

namespace recount::agent {
namespace {

using namespace std::chrono_literals;

// A guard with a two-second window on a clock the test moves.
struct Guarded {
  std::chrono::steady_clock::time_point now{};
  DuplicateGuard guard{2s, [this] { return now; }};
};

constexpr const char* kSerialised = "]d2010950400005910121SN-0001";
constexpr const char* kPlain = "5901234123457";

}  // namespace

TEST_CASE_FIXTURE(Guarded, "a serialised item read twice within the window is counted once") {
  CHECK(guard.check(kSerialised) == ScanVerdict::kNew);
  now += 500ms;
  CHECK(guard.check(kSerialised) == ScanVerdict::kIgnored);
}

TEST_CASE_FIXTURE(Guarded, "the same plain code within the window is a repeat to show, not to drop") {
  CHECK(guard.check(kPlain) == ScanVerdict::kNew);
  now += 1s;
  CHECK(guard.check(kPlain) == ScanVerdict::kRepeat);
}

TEST_CASE_FIXTURE(Guarded, "after the window the same code is new again") {
  CHECK(guard.check(kSerialised) == ScanVerdict::kNew);
  now += 2001ms;
  CHECK(guard.check(kSerialised) == ScanVerdict::kNew);
}

TEST_CASE_FIXTURE(Guarded, "every sighting restarts the window, so a code held at the scanner stays a repeat") {
  CHECK(guard.check(kSerialised) == ScanVerdict::kNew);
  for (int i = 0; i < 5; ++i) {
    now += 1500ms;
    CHECK(guard.check(kSerialised) == ScanVerdict::kIgnored);
  }
}

TEST_CASE_FIXTURE(Guarded, "the caller can say a code is serialised or is not") {
  CHECK(guard.check(kPlain, Serialisation::kSerialised) == ScanVerdict::kNew);
  CHECK(guard.check(kPlain, Serialisation::kSerialised) == ScanVerdict::kIgnored);
  CHECK(guard.check(kSerialised, Serialisation::kNotSerialised) == ScanVerdict::kNew);
  CHECK(guard.check(kSerialised, Serialisation::kNotSerialised) == ScanVerdict::kRepeat);
}

TEST_CASE_FIXTURE(Guarded, "different codes do not interfere, and GS1 data without serial is not serialised") {
  const char* lot_only = "]C1010950400005910110LOT-7";
  CHECK(guard.check(lot_only) == ScanVerdict::kNew);
  CHECK(guard.check(kPlain) == ScanVerdict::kNew);
  CHECK(guard.check(lot_only) == ScanVerdict::kRepeat);
  CHECK(guard.check("]d2010950400005910121SN-0002") == ScanVerdict::kNew);
}

}  // namespace recount::agent
