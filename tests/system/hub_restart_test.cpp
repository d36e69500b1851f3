// Restarts of a real recount-hub: after an orderly stop it skips SQLite's integrity check of the
// ledger, which reads every page; after kill -9 it serves at once and runs the check meanwhile (or
// before serving, if asked), and a ledger found damaged stops it with exit 1 naming the file.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <fstream>

#include <boost/asio/io_context.hpp>

#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "shared/storage/clean_close.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/damage.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::testing {
namespace {

constexpr std::string_view kChecked = "hub.db passed its integrity check";
constexpr std::string_view kSkipped = "hub.db was closed cleanly: integrity check skipped";
constexpr std::string_view kInBackground = "hub.db was not closed cleanly: integrity check running in the background";
constexpr std::string_view kPassedInBackground = "hub.db passed its integrity check in the background";
constexpr std::string_view kEpoch = "00000000000000e1";

bool says(const std::string& log, std::string_view line) { return log.find(line) != std::string::npos; }

TEST_CASE("a hub stopped orderly restarts without the integrity check, and one killed with -9 runs it meanwhile") {
  TempDir dir;
  Mosquitto broker;
  const auto data = dir / "hub";
  const auto marker = storage::clean_close_marker(data / "hub.db");
  Hub hub(data, broker.uri());
  // recountctl made the file and left without a clean close
  CHECK(says(hub.errors(), kInBackground));
  REQUIRE(eventually([&] { return says(hub.errors(), kPassedInBackground); }, std::chrono::seconds(30)));
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
  CHECK(says(hub.errors(), kInBackground));
  CHECK(hub.stats()["devices"].is_array());
  REQUIRE(eventually([&] { return says(hub.errors(), kPassedInBackground); }, std::chrono::seconds(30)));

  REQUIRE(hub.stop() == 0);
  CHECK(std::filesystem::exists(marker));  // checked since the crash: the next start may skip it
  hub.restart();
  CHECK(says(hub.errors(), kSkipped));
  hub.kill_hard();
  Process blocking(
      {RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--check-at-start", "after-crash"},
      dir / "blocking");
  CHECK(eventually([&] { return says(blocking.output(), "recount-hub ready"); }, std::chrono::seconds(20)));
  CHECK(says(blocking.errors(), kChecked));
  CHECK_FALSE(says(blocking.errors(), kInBackground));
  REQUIRE(blocking.stop(SIGTERM) == 0);
  REQUIRE(std::filesystem::exists(marker));
  Process always({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--check-at-start", "always"},
                 dir / "always");
  CHECK(eventually([&] { return says(always.output(), "recount-hub ready"); }, std::chrono::seconds(20)));
  CHECK(says(always.errors(), kChecked));
  CHECK(always.stop(SIGTERM) == 0);
}

TEST_CASE("with --check-at-start after-crash a ledger damaged after a kill -9 is refused before it serves") {
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
  const auto started = run_command({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--http",
                                    "127.0.0.1:0", "--check-at-start", "after-crash"},
                                   "", std::chrono::seconds(60));
  CHECK(started.exit_code == 1);
  CHECK(says(started.err, file.string()));
  // Damaged schema pages stop SQLite before quick_check can say more.
  CHECK((says(started.err, "failed its integrity check") || says(started.err, "is not a readable SQLite database")));
  CHECK(read_file(file) == before);
}

// A batch of counts, seqs first..last of device-1 at site-1 (epoch kEpoch).
std::string count_batch(std::uint64_t first, std::uint64_t last) {
  protocol::EventBatch batch{"site-1", "device-1", std::string(kEpoch), {}};
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (auto seq = first; seq <= last; ++seq) {
    Event event;
    event.seq = seq;
    event.event_id =
        "00000001-0000-7000-8000-" + std::string(12 - std::to_string(seq).size(), '0') + std::to_string(seq);
    event.type = EventType::kCount;
    event.wall_ms = now_ms;
    event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
    event.user = "user-1";
    event.location = "A-" + std::to_string(seq % 50);
    event.sku = "SKU-" + std::to_string(seq % 70);
    event.qty = 3;
    event.session = "session-1";
    batch.events.push_back(event);
  }
  return protocol::encode(batch);
}

TEST_CASE("damage the background check finds after a kill -9 stops the hub with exit 1 naming hub.db, for good") {
  TempDir dir;
  Mosquitto broker;
  const auto data = dir / "hub";
  const auto file = data / "hub.db";
  constexpr std::uint64_t kEvents = 4000;
  {
    Process hub({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri()}, dir / "first");
    REQUIRE(eventually([&] { return says(hub.output(), "recount-hub ready"); }, std::chrono::seconds(30)));
    boost::asio::io_context io;
    TestDevice device(io, broker.uri(), "device-1", {"recount/v1/site-1/device-1/ack"});
    for (std::uint64_t first = 1; first <= kEvents; first += 500) {
      device.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kEvents),
                     count_batch(first, first + 499));
    }
    REQUIRE(run_until(
        io,
        [&] {
          return std::any_of(device.received.begin(), device.received.end(), [&](const mqtt::Message& message) {
            auto ack = protocol::decode_ack(message.payload);
            return ack && ack->acked_through == kEvents;
          });
        },
        std::chrono::seconds(60)));
    hub.kill_hard();
  }
  // In the middle of the events: the start reads none of it, so the hub serves until the check finds it.
  damage_table_page(file, "events");

  // It exits by itself; the bound only keeps a hub that never finds the damage from hanging the test.
  const auto damaged =
      run_command({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--http", "127.0.0.1:0"}, "",
                  std::chrono::seconds(120));
  CHECK(damaged.exit_code == 1);
  const std::string& errors = damaged.err;
  CHECK(says(errors, kInBackground));
  CHECK(says(errors, file.string() + " failed its integrity check"));
  CHECK(says(errors, "stopped acking and exiting"));
  CHECK_FALSE(std::filesystem::exists(storage::clean_close_marker(file)));
  REQUIRE(std::filesystem::exists(storage::damage_marker(file)));
  CHECK(says(read_file(storage::damage_marker(file)), file.string()));

  // The next start, as systemd's Restart=on-failure makes it, checks before it serves and refuses.
  const auto restarted =
      run_command({RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt", broker.uri(), "--http", "127.0.0.1:0"}, "",
                  std::chrono::seconds(60));
  CHECK(restarted.exit_code == 1);
  CHECK(says(restarted.err, file.string() + " failed its integrity check"));
  CHECK_FALSE(says(restarted.out, "recount-hub ready"));
  CHECK(std::filesystem::exists(storage::damage_marker(file)));
}

}  // namespace
}  // namespace recount::testing
