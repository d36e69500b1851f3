// Restarts of a real recount-hub: after an orderly stop it skips SQLite's integrity check of the
// ledger, which reads every page; after kill -9 it runs it, and refuses a ledger it finds damaged.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>

#include "shared/storage/clean_close.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {
namespace {

constexpr std::string_view kChecked = "hub.db passed its integrity check";
constexpr std::string_view kSkipped = "hub.db was closed cleanly: integrity check skipped";

bool says(const std::string& log, std::string_view line) { return log.find(line) != std::string::npos; }

TEST_CASE("a hub stopped orderly restarts without the integrity check, and one killed with -9 runs it") {
  TempDir dir;
  Mosquitto broker;
  const auto data = dir / "hub";
  const auto marker = storage::clean_close_marker(data / "hub.db");
  Hub hub(data, broker.uri());
  CHECK(says(hub.errors(), kChecked));  // recountctl made the file and left without a clean close
  CHECK_FALSE(std::filesystem::exists(marker));

  REQUIRE(hub.stop() == 0);
  CHECK(std::filesystem::exists(marker));
  hub.restart();
  CHECK(says(hub.errors(), kSkipped));
  CHECK_FALSE(std::filesystem::exists(marker));
  CHECK(hub.stats()["devices"].is_array());  // the API answers from the unchecked ledger

  hub.kill_hard();
  CHECK_FALSE(std::filesystem::exists(marker));
  hub.restart();
  CHECK(says(hub.errors(), kChecked));

  REQUIRE(hub.stop() == 0);
  REQUIRE(std::filesystem::exists(marker));
  Process always({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--check-at-start", "always"},
                 dir / "always");
  CHECK(eventually([&] { return says(always.output(), "recount-hub ready"); }, std::chrono::seconds(20)));
  CHECK(says(always.errors(), kChecked));
  CHECK(always.stop(SIGTERM) == 0);
}

TEST_CASE("a hub ledger damaged after a kill -9 is refused at the next start with an error naming the file") {
  TempDir dir;
  Mosquitto broker;
  const auto data = dir / "hub";
  const auto file = data / "hub.db";
  {
    Hub hub(data, broker.uri());
    hub.kill_hard();
  }
  {
    // Every page after the first: whatever the WAL still holds, damage remains in the file.
    std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
    damage.seekp(4096);
    const std::string noise(std::filesystem::file_size(file) - 4096, '\x5a');
    damage.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  const auto before = read_file(file);
  const auto started =
      run_command({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--http", "127.0.0.1:0"}, "",
                  std::chrono::seconds(60));
  CHECK(started.exit_code == 1);
  CHECK(says(started.err, file.string()));
  // Damaged schema pages stop SQLite before quick_check can say more.
  CHECK((says(started.err, "failed its integrity check") || says(started.err, "is not a readable SQLite database")));
  CHECK(read_file(file) == before);
}

}  // namespace
}  // namespace recount::testing
