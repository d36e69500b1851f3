// The hub's restart to ready on a large ledger: a real recount-hub on a ledger of N events
// (bulk-inserted as 50 devices' contiguous seqs, already reconciled), from its start until its
// ready line, after an orderly stop (SIGTERM: the ledger is closed cleanly and SQLite's
// integrity check is skipped) and after kill -9: by default the hub serves at once and checks
// every page in the background (also timed, to its "passed" line), and with --check-at-start
// after-crash it checks before it serves. Beside them, in the same run, the raw limits: SQLite's
// open + PRAGMA quick_check of the file alone, a sequential read of the file, and the same hub's
// restart on an empty ledger (the floor of any start).
//
// And the hub's ingest while that background check runs: simulated devices publishing through a
// kill -9 and the restart, their events acked from the ready line until the check passed, beside
// the same span after an orderly stop and restart (no check) under the same load.
//
// Usage: restart_bench [--events 1000000] [--restarts 3] [--load-events 8000] [--primary]
// (--load-events: events per simulated device of each load, 50 devices; 0: no ingest figures)
// Prints "name value unit" lines.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bench/bench_support.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/warehouse_events.hpp"

namespace recount::bench {
namespace {

constexpr std::int64_t kDevices = 50;
constexpr std::int64_t kPerTransaction = 500'000;
constexpr std::int64_t kNowMs = 1'790'000'000'000;

// Events seq 1..per_device of devices device-0..49, one epoch each, in one site: counts, moves
// and receipts over 100,000 locations and 5,000 SKUs, with UUIDv7-shaped ids in insert order.
void load_events(storage::Database& database, std::int64_t per_device) {
  must(database.execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -131072"), "pragmas");
  auto insert =
      must(database.prepare(
               "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) "
               "INSERT INTO events (device, epoch, seq, event_id, type, site, user, location, to_location, sku, qty, "
               "session, wall_ms, hlc, received_ms) "
               "SELECT 'device-' || (i / ?3), printf('%08x-0000-4000-8000-000000000000', i / ?3), i % ?3 + 1, "
               "printf('%012x-0000-7000-8000-000000000000', i), "
               "CASE i % 10 WHEN 0 THEN 'move' WHEN 1 THEN 'receive' ELSE 'count' END, 'site-1', 'user-' || (i % 20), "
               "'L-' || (i % 100000), CASE i % 10 WHEN 0 THEN 'L-' || ((i + 7) % 100000) END, 'SKU-' || (i % 5000), "
               "i % 40 + 1, 'session-' || (i / 1000), ?4 + i, (?4 + i) * 65536, ?4 + i + 50 FROM n"),
           "prepare events");
  const std::int64_t total = per_device * kDevices;
  for (std::int64_t first = 0; first < total; first += kPerTransaction) {
    must(database.begin(), "begin");
    insert.bind(1, first).bind(2, std::min(first + kPerTransaction, total) - 1).bind(3, per_device).bind(4, kNowMs);
    must(insert.run(), "insert events");
    must(database.commit(), "commit");
  }
  // What a hub that ingested and reconciled them holds: a cursor per device, everything applied.
  auto cursors = must(database.prepare("INSERT INTO cursors (device, epoch, site, acked_through, events, "
                                       "first_seen_ms, last_seen_ms) SELECT device, epoch, site, max(seq), count(*), "
                                       "min(received_ms), max(received_ms) FROM events GROUP BY device, epoch"),
                      "prepare cursors");
  must(cursors.run(), "cursors");
  must(database.execute("UPDATE reconcile_meta SET value = (SELECT max(rowid) FROM events) "
                        "WHERE name = 'applied_through'"),
       "applied_through");
}

// Milliseconds from spawning recount-hub on DATA (with `extra` arguments) until its ready line.
double start_ms(std::unique_ptr<HubProcess>& hub, const std::filesystem::path& data, const std::string& broker,
                const std::vector<std::string>& extra = {}) {
  // HubProcess waits for the ready line in its log, which a new process appends to.
  std::filesystem::remove(data.string() + "-hub.out");
  std::filesystem::remove(data.string() + "-hub.err");
  const auto start = Clock::now();
  hub = std::make_unique<HubProcess>(data, broker, extra);
  return ms_since(start);
}

// Milliseconds from `spawned` until `hub` says its background integrity check passed; throws when
// it says anything else or is silent for 10 minutes.
double background_check_ms(const HubProcess& hub, Clock::time_point spawned) {
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  for (;;) {
    const std::string errors = hub.errors();
    if (errors.find("passed its integrity check in the background") != std::string::npos) return ms_since(spawned);
    if (errors.find("failed its integrity check") != std::string::npos || Clock::now() > deadline) {
      throw std::runtime_error("recount-hub's background check did not pass: " + errors);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Reads the whole file sequentially, as the fastest possible pass over every page would.
double read_file_ms(const std::filesystem::path& file) {
  const auto start = Clock::now();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot read " + file.string());
  static std::array<char, 1 << 22> buffer;
  while (::read(fd, buffer.data(), buffer.size()) > 0) {
  }
  ::close(fd);
  return ms_since(start);
}

double median(std::vector<double> samples) { return quantile(std::move(samples), 0.5); }

// A steady load on the hub across its restart: kLoadDevices devices simulated in this process (an
// MQTT client each, load-L-N, 8 batches of 500 warehouse events in flight as the agents' window;
// 50 of them keep the hub busy, as in ingest_bench), publishing from before the hub starts (the
// broker holds their batches for the hub's session), and the hub's acks counted as they come; all
// on a thread of its own, so that the bench's own thread can watch the hub. Each load L has event
// ids of its own: the hub would take a reused id for a conflict, not an event to reconcile.
class SteadyLoad {
 public:
  static constexpr std::size_t kLoadDevices = 50;
  static constexpr std::size_t kBatchEvents = 500;
  static constexpr std::size_t kInFlight = 8;

  SteadyLoad(std::string uri, unsigned load, std::size_t events_per_device) : uri_(std::move(uri)) {
    for (std::size_t d = 0; d < kLoadDevices; ++d) {
      Device device;
      device.name = "load-" + std::to_string(load) + "-" + std::to_string(d);
      device.topic = protocol::device_topic("site-1", device.name, protocol::DeviceChannel::kEvents);
      // stamp_events makes ids from the seed and the seq.
      const auto seed = static_cast<unsigned>(load * kLoadDevices + d + 1);
      auto events = testing::warehouse_event_drafts(d, events_per_device, seed);
      stamp_events(events, seed);
      for (std::size_t first = 0; first < events.size(); first += kBatchEvents) {
        protocol::EventBatch batch{"site-1", device.name, "00112233aabbccdd", {}};
        const auto last = std::min(events.size(), first + kBatchEvents);
        batch.events.assign(events.begin() + static_cast<std::ptrdiff_t>(first),
                            events.begin() + static_cast<std::ptrdiff_t>(last));
        device.payloads.push_back(protocol::encode(batch));
      }
      devices_.push_back(std::move(device));
    }
    total_ = events_per_device * kLoadDevices;
    thread_ = std::thread([this] { run(); });
  }
  SteadyLoad(const SteadyLoad&) = delete;
  SteadyLoad& operator=(const SteadyLoad&) = delete;
  ~SteadyLoad() {
    io_.stop();
    thread_.join();
  }

  // Events acked between `from` and `to`, per second.
  double events_per_s(Clock::time_point from, Clock::time_point to) const {
    const double seconds = std::chrono::duration<double>(to - from).count();
    return seconds > 0 ? static_cast<double>(acked_by(to) - acked_by(from)) / seconds : 0;
  }
  // Whether every event of the load was acked by `when`: past that, a span measures no load.
  bool done_by(Clock::time_point when) const { return acked_by(when) >= total_; }

 private:
  struct Device {
    std::string name;
    std::string topic;
    std::vector<std::string> payloads;
    std::size_t next = 0;
    std::size_t outstanding = 0;
    std::uint64_t acked = 0;
    std::unique_ptr<mqtt::Link> link;
  };

  std::uint64_t acked_by(Clock::time_point when) const {
    const std::lock_guard lock(mutex_);
    const auto after = std::upper_bound(acks_.begin(), acks_.end(), when,
                                        [](Clock::time_point t, const auto& ack) { return t < ack.first; });
    return after == acks_.begin() ? 0 : std::prev(after)->second;
  }

  void pump(Device& device) {
    while (device.outstanding < kInFlight && device.next < device.payloads.size()) {
      ++device.outstanding;
      device.link->publish({device.topic, device.payloads[device.next++]}, mqtt::Qos::kAtLeastOnce,
                           [this, &device](const Result<void>&) {
                             --device.outstanding;
                             pump(device);
                           });
    }
  }

  void run() {
    mqtt::LinkOptions watch;
    watch.uri = uri_;
    watch.client_id = "bench-acks-" + devices_.front().name;
    watch.clean_session = true;
    mqtt::Link watcher(io_, watch);
    std::uint64_t acked = 0;
    watcher.on_message([&](const mqtt::Message& message) {
      const auto topic = protocol::parse_device_topic(message.topic);
      const auto ack = protocol::decode_ack(message.payload);
      if (!topic || !ack) return;
      const auto device = std::find_if(devices_.begin(), devices_.end(),
                                       [&](const Device& each) { return each.name == topic->device; });
      if (device == devices_.end() || ack->acked_through <= device->acked) return;
      acked += ack->acked_through - device->acked;
      device->acked = ack->acked_through;
      const std::lock_guard lock(mutex_);
      acks_.emplace_back(Clock::now(), acked);
    });
    watcher.subscribe({"recount/v1/site-1/+/ack"}, mqtt::Qos::kAtLeastOnce);
    watcher.start();
    for (auto& device : devices_) {
      mqtt::LinkOptions options;
      options.uri = uri_;
      options.client_id = "bench-" + device.name;
      options.clean_session = true;
      device.link = std::make_unique<mqtt::Link>(io_, options);
      device.link->on_connected([this, &device] { pump(device); });
      device.link->start();
    }
    const auto work = boost::asio::make_work_guard(io_);
    io_.run();
    for (auto& device : devices_) stop_link(*device.link);
    stop_link(watcher);
  }

  std::string uri_;
  std::vector<Device> devices_;
  std::uint64_t total_ = 0;
  boost::asio::io_context io_;
  mutable std::mutex mutex_;
  std::vector<std::pair<Clock::time_point, std::uint64_t>> acks_;  // when, and the events acked by then
  std::thread thread_;
};

int run(const Args& args) {
  const std::int64_t events = args.number("events", 1'000'000);
  const auto restarts = static_cast<std::size_t>(args.number("restarts", 3));
  if (events < kDevices || restarts == 0) {
    std::cerr << "restart_bench: need --events >= " << kDevices << " and --restarts > 0\n";
    return 2;
  }
  const Reporter report{std::to_string(events), args.flag("primary")};
  testing::TempDir temp;
  testing::Mosquitto broker;
  std::unique_ptr<HubProcess> hub;

  // The floor: a hub restarted after an orderly stop on the ledger its first start made.
  const auto empty = temp / "empty";
  start_ms(hub, empty, broker.uri());
  hub->stop();
  std::vector<double> floor;
  for (std::size_t r = 0; r < restarts; ++r) {
    floor.push_back(start_ms(hub, empty, broker.uri()));
    hub->stop();
  }

  const auto data = temp / "hub";
  const auto file = data / "hub.db";
  start_ms(hub, data, broker.uri());
  hub->stop();
  const auto load_start = Clock::now();
  {
    auto database = must(storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal),
                         "open the ledger");
    load_events(database, events / kDevices);
    must(storage::Database::close_cleanly(std::move(database)), "close the ledger");
  }
  report("restart_load_s", seconds_since(load_start), "s");
  report("restart_ledger_mib", static_cast<double>(std::filesystem::file_size(file)) / (1 << 20), "MiB");

  const double read_ms = read_file_ms(file);
  report("restart_file_read_ms", read_ms, "ms");
  const auto check_start = Clock::now();
  double check_ms = 0;
  {
    auto database = must(storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal,
                                                 0, storage::StartCheck::kAlways),
                         "quick_check");
    check_ms = ms_since(check_start);
    must(storage::Database::close_cleanly(std::move(database)), "close the ledger");
  }
  report("restart_quick_check_ms", check_ms, "ms");
  report("restart_quick_check_vs_file_read", check_ms / read_ms, "x");

  std::vector<double> clean;
  std::vector<double> stops;
  for (std::size_t r = 0; r < restarts; ++r) {
    clean.push_back(start_ms(hub, data, broker.uri()));
    const auto stop_start = Clock::now();
    if (hub->stop() != 0) throw std::runtime_error("recount-hub did not stop orderly");
    stops.push_back(ms_since(stop_start));
  }
  // After kill -9 (SIGKILL, as a crash or an OOM kill): the default serves at once and checks in the
  // background; after-crash checks before it serves.
  std::vector<double> crashed;
  std::vector<double> checked_in_background;
  std::vector<double> crashed_blocking;
  for (std::size_t r = 0; r < restarts; ++r) {
    start_ms(hub, data, broker.uri());
    hub.reset();
    const auto spawned = Clock::now();
    crashed.push_back(start_ms(hub, data, broker.uri()));
    checked_in_background.push_back(background_check_ms(*hub, spawned));
    hub->stop();
    start_ms(hub, data, broker.uri());
    hub.reset();
    crashed_blocking.push_back(start_ms(hub, data, broker.uri(), {"--check-at-start", "after-crash"}));
    hub->stop();
  }

  // The ingest while the background check runs: events acked from the ready line until the check
  // passed, after a kill -9 under load; beside it, the same span after an orderly stop and restart
  // (nothing to check) under the same load, so that both start alike (the broker holding the
  // devices' batches, the hub's first commits) and differ by the check alone.
  const auto load_events = static_cast<std::size_t>(args.number("load-events", 8'000));
  std::vector<double> with_check;
  std::vector<double> without_check;
  for (std::size_t r = 0; load_events > 0 && r < restarts; ++r) {
    double check_span_ms = 0;
    for (const bool crash : {true, false}) {
      start_ms(hub, data, broker.uri());
      if (crash) {
        hub.reset();
      } else if (hub->stop() != 0) {
        throw std::runtime_error("recount-hub did not stop orderly");
      }
      SteadyLoad load(broker.uri(), static_cast<unsigned>(2 * r + (crash ? 0 : 1)), load_events);
      const auto spawned = Clock::now();
      start_ms(hub, data, broker.uri());
      const auto ready = Clock::now();
      if (crash) {  // from the ready line until the check passed
        check_span_ms =
            background_check_ms(*hub, spawned) - std::chrono::duration<double, std::milli>(ready - spawned).count();
      }
      const auto span_end = ready + std::chrono::microseconds(static_cast<std::int64_t>(check_span_ms * 1000));
      while (Clock::now() < span_end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (load.done_by(span_end))
        throw std::runtime_error("the load ran out before the span ended: raise --load-events");
      (crash ? with_check : without_check).push_back(load.events_per_s(ready, span_end));
      // Every batch acked before the hub stops: what the broker still held for the hub's session
      // would be the next start's first work, as would a backlog of reconciliation (below).
      const auto deadline = Clock::now() + std::chrono::minutes(5);
      while (!load.done_by(Clock::now())) {
        if (Clock::now() > deadline) throw std::runtime_error("the hub did not ack the whole load within 5 minutes");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      // And reconciled, so that the next start has no backlog to catch up with either.
      {
        auto ledger =
            must(storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal),
                 "open the ledger to watch reconciliation");
        if (!wait_reconciled(ledger, std::chrono::minutes(5)))
          throw std::runtime_error("the hub did not reconcile the whole load within 5 minutes");
      }
      hub->stop();
    }
  }
  if (!with_check.empty()) {
    const double during = median(with_check);
    const double unchecked = median(without_check);
    report("restart_ingest_during_check_events_per_s", during, "events/s");
    report("restart_ingest_after_clean_stop_events_per_s", unchecked, "events/s");
    if (unchecked > 0) report("restart_ingest_during_check_vs_clean", during / unchecked, "x");
  }

  const double floor_ms = median(floor);
  const double clean_ms = median(clean);
  const double crashed_ms = median(crashed);
  report("restart_empty_ledger_ms", floor_ms, "ms");
  report("restart_clean_ms", clean_ms, "ms");
  const double background_ms = median(checked_in_background);
  const double blocking_ms = median(crashed_blocking);
  report("restart_after_kill_ms", crashed_ms, "ms");
  report("restart_after_kill_check_done_ms", background_ms, "ms");
  report("restart_after_kill_blocking_ms", blocking_ms, "ms");
  report("restart_stop_ms", median(stops), "ms");
  report("restart_clean_vs_empty_ledger", clean_ms / floor_ms, "x");
  report("restart_after_kill_vs_empty_ledger", crashed_ms / floor_ms, "x");
  report("restart_after_kill_check_done_vs_quick_check", background_ms / check_ms, "x");
  report("restart_after_kill_blocking_vs_quick_check", blocking_ms / check_ms, "x");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("restart_bench", argc, argv, recount::bench::run); }
