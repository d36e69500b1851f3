// RepeatedFailure on a clock the test moves: the first failure at once, one line a minute while
// it lasts with what it stands for, one when it mends.
#include "shared/core/repeated_failure.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>

namespace recount {
namespace {

using namespace std::chrono_literals;

struct Said {
  std::ostringstream log;
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>();
  RepeatedFailure failure{"hub: catalog version", log, 60s, [now = now] { return *now; }};

  // The lines written since the last call.
  std::string lines() {
    auto text = log.str();
    log.str("");
    return text;
  }
};

TEST_CASE("a repeated failure is said at once, then once a minute with how many it stands for, and when it mends") {
  Said said;
  said.failure.failed("cannot connect");
  CHECK(said.lines() == "hub: catalog version: cannot connect\n");
  for (int i = 0; i < 100; ++i) {
    *said.now += 500ms;
    said.failure.failed("cannot connect");
  }
  // 50 s: not a minute since the line above.
  CHECK(said.lines().empty());
  *said.now += 10s;
  said.failure.failed("the database system is starting up");
  CHECK(said.lines() ==
        "hub: catalog version: the database system is starting up (100 more since the last line; failing for 60 s)\n");
  *said.now += 1s;
  said.failure.failed("cannot connect");
  *said.now += 4s;
  said.failure.worked();
  CHECK(said.lines() == "hub: catalog version: works again after 65 s and 103 failures\n");
  said.failure.worked();
  CHECK(said.lines().empty());
  // A new outage starts over: its first failure is said at once; after that one failure, its
  // line said all there was.
  *said.now += 1s;
  said.failure.failed("cannot connect");
  CHECK(said.lines() == "hub: catalog version: cannot connect\n");
  said.failure.worked();
  CHECK(said.lines().empty());
}

TEST_CASE("a source that never failed says nothing when it works") {
  Said said;
  for (int i = 0; i < 3; ++i) said.failure.worked();
  CHECK(said.lines().empty());
}

}  // namespace
}  // namespace recount
