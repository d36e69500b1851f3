// The agent's ack timeout as arithmetic: the initial wait, the base a hub's round trips give,
// doubling at each resend without progress, the ceiling, and the return to the base on progress.
#include "agent/sync/ack_timeout.hpp"

#include <doctest/doctest.h>

namespace recount::agent {
namespace {

using std::chrono::milliseconds;

}  // namespace

TEST_CASE("before any round trip the wait is the initial one, doubled at each resend up to the ceiling") {
  AckTimeout timeout(AckTimeoutLimits{});
  CHECK(timeout.wait() == milliseconds(5000));
  timeout.resent();
  CHECK(timeout.wait() == milliseconds(10000));
  timeout.resent();
  timeout.resent();
  CHECK(timeout.wait() == milliseconds(40000));
  timeout.resent();
  CHECK(timeout.wait() == milliseconds(60000));
  for (int i = 0; i < 1000; ++i) timeout.resent();  // a hub away for days: no overflow
  CHECK(timeout.wait() == milliseconds(60000));
}

TEST_CASE("an ack that advances brings the wait back to its base") {
  AckTimeout timeout(AckTimeoutLimits{});
  timeout.resent();
  timeout.resent();
  timeout.progressed();
  CHECK(timeout.wait() == milliseconds(5000));
}

TEST_CASE("a fast hub's round trips give the floor, so a lost batch is resent sooner than the initial wait") {
  AckTimeout timeout(AckTimeoutLimits{});
  timeout.measured(milliseconds(20));
  CHECK(timeout.wait() == milliseconds(1000));
  timeout.resent();
  CHECK(timeout.wait() == milliseconds(2000));
}

TEST_CASE("a slow hub's round trips give the smoothed trip plus four times its variation") {
  AckTimeout timeout(AckTimeoutLimits{});
  timeout.measured(milliseconds(2000));  // first: smoothed 2000, variation 1000
  CHECK(timeout.wait() == milliseconds(6000));
  timeout.measured(milliseconds(2000));  // steady: variation 750
  CHECK(timeout.wait() == milliseconds(5000));
  timeout.measured(milliseconds(10000));  // smoothed 3000, variation (3 * 750 + 8000) / 4 = 2562
  CHECK(timeout.wait() == milliseconds(3000 + 4 * 2562));
}

TEST_CASE("the ceiling bounds a measured base too") {
  AckTimeout timeout(AckTimeoutLimits{milliseconds(5000), milliseconds(1000), milliseconds(8000)});
  timeout.measured(milliseconds(30000));
  CHECK(timeout.wait() == milliseconds(8000));
}

}  // namespace recount::agent
