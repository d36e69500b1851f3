// One recount-hub per data directory: the second is refused with a message that names the
// directory, and the lock goes with its holder.
#include "hub/daemon/data_dir_lock.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

TEST_CASE("hub data dir lock: a second holder is refused, naming the directory and the first holder's pid") {
  recount::testing::TempDir dir;
  {
    auto first = DataDirLock::acquire(dir.path());
    REQUIRE(first.has_value());
    auto second = DataDirLock::acquire(dir.path());
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().code == ErrorCode::kConflict);
    CHECK(second.error().message.find(dir.path().string()) != std::string::npos);
    CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);
  }
  CHECK(DataDirLock::acquire(dir.path()).has_value());  // released with its holder
}

TEST_CASE("hub data dir lock: a directory that cannot hold the lock file is an I/O error") {
  recount::testing::TempDir dir;
  auto lock = DataDirLock::acquire(dir.path() / "missing");
  REQUIRE_FALSE(lock.has_value());
  CHECK(lock.error().code == ErrorCode::kIo);
  CHECK(lock.error().message.find("hub.lock") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
