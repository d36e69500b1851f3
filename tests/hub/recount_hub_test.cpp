// The recount-hub executable as operators and scripts run it: the ready line, signals, restarts
// and refusing a damaged database.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include "hub/http/client.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

// A recount-hub process on `data` with the API on a port it picks; waits for its ready line.
struct RunningHub {
  std::unique_ptr<testing::Process> process;
  HostPort api;

  RunningHub(const std::filesystem::path& data, const testing::Mosquitto& broker, const std::string& log_name) {
    process =
        std::make_unique<testing::Process>(std::vector<std::string>{RECOUNT_HUB_BIN, "--data", data.string(), "--mqtt",
                                                                    broker.uri(), "--http", "127.0.0.1:0"},
                                           data.parent_path() / log_name);
    std::string out;  // outlives the lambda: `ready` points into it
    std::smatch ready;
    const std::regex line(R"(recount-hub ready mqtt=(\S+) http=http://127\.0\.0\.1:(\d+) data=(\S+)\n)");
    REQUIRE_MESSAGE(testing::eventually(
                        [&] {
                          out = process->output();
                          return std::regex_search(out, ready, line);
                        },
                        std::chrono::seconds(20)),
                    "no ready line; stderr: " << process->errors());
    CHECK(ready[1] == broker.uri());
    CHECK(ready[3] == data.string());
    api = HostPort{"127.0.0.1", static_cast<std::uint16_t>(std::stoi(ready[2]))};
  }
};

std::string events_topic() { return protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kEvents); }

TEST_CASE("recount-hub prints a ready line with the port it picked, serves its API there, and exits 0 on SIGTERM") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  RunningHub hub(dir / "data", broker, "hub");
  CHECK(hub.api.port != 0);
  const auto health = http_get(hub.api, "/api/v1/health");
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK(hub.process->stop(SIGTERM) == 0);
  CHECK(std::filesystem::exists(dir / "data" / "hub.db"));
}

TEST_CASE("recount-hub stops on SIGINT with exit 0, and a restarted hub answers hellos from its ledger") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  boost::asio::io_context io;
  testing::TestDevice device(io, broker.uri(), "device-1", {"recount/v1/site-1/device-1/ack"});
  protocol::EventBatch batch{"site-1", "device-1", "00000000000000e1", {}};
  for (std::uint64_t seq = 1; seq <= 25; ++seq) batch.events.push_back(testing::count_event(seq));
  {
    RunningHub hub(dir / "data", broker, "first");
    // The hub's subscription may still be on its way: resend until acked, as agents do.
    REQUIRE(testing::run_until(io, [&] {
      device.publish(events_topic(), protocol::encode(batch));
      return testing::run_until(
          io, [&] { return !device.received.empty(); }, std::chrono::milliseconds(300));
    }));
    CHECK(protocol::decode_ack(device.received.back().payload)->acked_through == 25);
    CHECK(hub.process->stop(SIGINT) == 0);
  }
  device.received.clear();
  RunningHub restarted(dir / "data", broker, "second");
  const protocol::Hello hello{"site-1", "device-1", batch.epoch, 25, 0, testing::kFixedNowMs, {0}, "test"};
  REQUIRE(testing::run_until(io, [&] {
    device.publish(protocol::device_topic("site-1", "device-1", protocol::DeviceChannel::kHello),
                   protocol::encode(hello));
    return testing::run_until(
        io, [&] { return !device.received.empty(); }, std::chrono::milliseconds(300));
  }));
  CHECK(protocol::decode_ack(device.received.back().payload)->acked_through == 25);
  CHECK(restarted.process->stop(SIGTERM) == 0);
}

TEST_CASE("recount-hub refuses a corrupt database with an error naming the file, and leaves it as it was") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "data");
  const auto file = dir / "data" / "hub.db";
  std::ofstream(file, std::ios::binary) << "SQLite format 3" << std::string(4096, '\x07');
  const auto before = testing::read_file(file);
  const auto result = testing::run_command({RECOUNT_HUB_BIN, "--data", (dir / "data").string(), "--mqtt", broker.uri()},
                                           "", std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK(result.err.find(file.string()) != std::string::npos);
  CHECK(result.out.find("ready") == std::string::npos);
  CHECK(testing::read_file(file) == before);
}

TEST_CASE("recount-hub refuses a data directory another recount-hub is using, and the first one keeps serving") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  RunningHub first(dir / "data", broker, "first");
  const auto second = testing::run_command(
      {RECOUNT_HUB_BIN, "--data", (dir / "data").string(), "--mqtt", broker.uri(), "--http", "127.0.0.1:0"}, "",
      std::chrono::seconds(30));
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("another recount-hub") != std::string::npos);
  CHECK(second.err.find((dir / "data").string()) != std::string::npos);
  CHECK(second.out.find("ready") == std::string::npos);
  const auto health = http_get(first.api, "/api/v1/health");
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK(first.process->stop(SIGTERM) == 0);
}

TEST_CASE("recount-hub refuses an --http address that is taken, or malformed, and says why") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  RunningHub first(dir / "first", broker, "first");
  const auto taken = testing::run_command(
      {RECOUNT_HUB_BIN, "--data", (dir / "second").string(), "--mqtt", broker.uri(), "--http", first.api.to_string()});
  CHECK(taken.exit_code == 1);
  CHECK(taken.err.find(first.api.to_string()) != std::string::npos);

  const auto malformed = testing::run_command(
      {RECOUNT_HUB_BIN, "--data", (dir / "third").string(), "--mqtt", broker.uri(), "--http", "8080"});
  CHECK(malformed.exit_code == 1);
  CHECK(malformed.err.find("--http") != std::string::npos);
}

// A database restart or failover must not need an operator to start the hub again
// (docs/scale-out.md, "Running a hub on PostgreSQL").
TEST_CASE(
    "recount-hub waits for a PostgreSQL ledger that is down, serves once it is up, and stops on SIGTERM meanwhile") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  testing::PostgresServer server;
  server.stop_immediately();
  auto hub_on = [&](const std::string& name) {
    return std::make_unique<testing::Process>(
        std::vector<std::string>{RECOUNT_HUB_BIN, "--data", (dir / name).string(), "--mqtt", broker.uri(), "--http",
                                 "127.0.0.1:0", "--ledger", server.url()},
        dir / name);
  };
  auto says = [](const testing::Process& hub, const std::string& text) {
    return testing::eventually([&] { return hub.errors().find(text) != std::string::npos; }, std::chrono::seconds(20));
  };
  {
    auto waiting = hub_on("stopped-while-waiting");
    REQUIRE_MESSAGE(says(*waiting, "waiting for the ledger: cannot connect to postgresql://recount@"),
                    waiting->errors());
    CHECK(waiting->stop(SIGTERM) == 0);
    CHECK(waiting->output().find("ready") == std::string::npos);
  }
  auto hub = hub_on("served-once-up");
  REQUIRE_MESSAGE(says(*hub, "trying again every 2 s"), hub->errors());
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a try or two more, and one line all the same
  CHECK(hub->running());
  const auto said = hub->errors();
  CHECK(said.find("waiting for the ledger") == said.rfind("waiting for the ledger"));
  server.start();
  CHECK_MESSAGE(says(*hub, "the ledger answered after"), hub->errors());
  CHECK(testing::eventually([&] { return hub->output().find("recount-hub ready") != std::string::npos; },
                            std::chrono::seconds(20)));
  CHECK(hub->stop(SIGTERM) == 0);
}

TEST_CASE("recount-hub stops at once on a PostgreSQL ledger that refuses its login, and says why") {
  testing::Mosquitto broker;
  testing::TempDir dir;
  testing::PostgresServer server;
  auto url = server.url();
  url.replace(url.find("/recount?"), 8, "/no_such_database");
  const auto result = testing::run_command({RECOUNT_HUB_BIN, "--data", (dir / "data").string(), "--mqtt", broker.uri(),
                                            "--http", "127.0.0.1:0", "--ledger", url},
                                           "", std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("no_such_database") != std::string::npos);
  CHECK(result.err.find("waiting") == std::string::npos);
}

TEST_CASE("recount-hub without --data or --mqtt explains what it needs and exits non-zero") {
  const auto result = testing::run_command({RECOUNT_HUB_BIN, "--mqtt", "tcp://127.0.0.1:1"});
  CHECK(result.exit_code != 0);
  CHECK(result.err.find("--data") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
