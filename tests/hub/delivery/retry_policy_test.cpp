// Backoff: doubling from the first delay to the cap, jitter in the upper half, bounded attempts.
#include "hub/delivery/retry_policy.hpp"

#include <doctest/doctest.h>

namespace recount::hub::delivery {
namespace {

TEST_CASE("the delay doubles after each failed attempt, stays in the upper half with jitter, and stops at the cap") {
  const RetryPolicy policy{1'000, 10'000, 8};
  CHECK(retry_delay_ms(policy, 1, 0) == 500);
  CHECK(retry_delay_ms(policy, 1, 500) == 1'000);
  CHECK(retry_delay_ms(policy, 1, 501) == 500);  // wraps within the half, never beyond the delay
  CHECK(retry_delay_ms(policy, 2, 1'000) == 2'000);
  CHECK(retry_delay_ms(policy, 3, 2'000) == 4'000);
  CHECK(retry_delay_ms(policy, 4, 4'000) == 8'000);
  CHECK(retry_delay_ms(policy, 5, 5'000) == 10'000);
  CHECK(retry_delay_ms(policy, 7, 0) == 5'000);
  for (std::uint64_t random = 0; random < 2'000; random += 7) {
    const auto delay = retry_delay_ms(policy, 6, random).value();
    CHECK(delay >= 5'000);
    CHECK(delay <= 10'000);
  }
}

TEST_CASE("after the last attempt there is no retry") {
  const RetryPolicy policy{1'000, 10'000, 3};
  CHECK(retry_delay_ms(policy, 2, 0).has_value());
  CHECK_FALSE(retry_delay_ms(policy, 3, 0).has_value());
  CHECK_FALSE(retry_delay_ms(policy, 40, 0).has_value());
}

TEST_CASE("a huge attempt count neither overflows nor passes the cap") {
  const RetryPolicy policy{1'000, 300'000, 1'000'000};
  const auto delay = retry_delay_ms(policy, 999'999, ~std::uint64_t{0}).value();
  CHECK(delay >= 150'000);
  CHECK(delay <= 300'000);
}

}  // namespace
}  // namespace recount::hub::delivery
