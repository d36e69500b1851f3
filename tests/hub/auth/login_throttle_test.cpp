// The per-address limit on failed logins.
#include "hub/auth/login_throttle.hpp"

#include <doctest/doctest.h>

namespace recount::hub::auth {
namespace {

TEST_CASE("ten failed logins within a minute stop an address until the oldest is a minute old") {
  LoginThrottle throttle;
  for (std::int64_t i = 0; i < 10; ++i) {
    CHECK(throttle.allows("10.0.0.1", 1000 * i));
    throttle.failed("10.0.0.1", 1000 * i);
  }
  CHECK_FALSE(throttle.allows("10.0.0.1", 10'000));
  CHECK(throttle.retry_after_ms("10.0.0.1", 10'000) == 50'000);
  CHECK(throttle.allows("10.0.0.2", 10'000));  // another address is not held up
  CHECK_FALSE(throttle.allows("10.0.0.1", 59'999));
  CHECK(throttle.allows("10.0.0.1", 60'000));
}

TEST_CASE("past the number of addresses it remembers, a new address waits, known ones keep their count") {
  LoginThrottle throttle(ThrottleLimits{2, 60'000, 3});
  for (const char* address : {"a", "b", "c"}) throttle.failed(address, 0);
  CHECK_FALSE(throttle.allows("d", 1));
  CHECK(throttle.allows("a", 1));
  throttle.failed("d", 1);              // not remembered: memory stays bounded
  CHECK(throttle.allows("d", 60'000));  // the others have aged out
}

}  // namespace
}  // namespace recount::hub::auth
