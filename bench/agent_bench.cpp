// Agent benchmark: how long a confirmed scan takes (Journal::record, synchronous=FULL, one event
// per commit) beside the disk's raw fdatasync latency, and the resident memory of a
// `recount-agent run` process idle and after it synced a journal of many events to a real hub.
//
// Usage: agent_bench [--records 2000] [--journal-events 100000] [--suffix-records] [--primary]
//                    [--timeout-s 600]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/journal/journal.hpp"
#include "bench/bench_support.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/warehouse_events.hpp"

namespace recount::bench {
namespace {

std::vector<double> confirm_latencies(const std::filesystem::path& dir, std::size_t records) {
  auto journal = agent::Journal::open(dir, std::string("site-1"), std::string("dev-1"));
  if (!journal) throw std::runtime_error("journal: " + journal.error().describe());
  std::vector<double> samples;
  samples.reserve(records);
  for (std::size_t i = 0; i < records; ++i) {
    Event draft;
    draft.type = EventType::kCount;
    draft.location = "A-" + std::to_string(i % 20);
    draft.sku = "SKU-" + std::to_string(i % 50);
    draft.qty = static_cast<std::int64_t>(i % 40);
    draft.user = "user-1";
    const auto start = Clock::now();
    auto stored = journal->record(std::move(draft));
    samples.push_back(ms_since(start));
    if (!stored) throw std::runtime_error("record: " + stored.error().describe());
  }
  return samples;
}

// 4 KiB appended and fdatasync'ed, one at a time, in a file on the same file system.
std::vector<double> fsync_latencies(const std::filesystem::path& file, std::size_t writes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + file.string());
  std::string block(4096, 'x');
  std::vector<double> samples;
  samples.reserve(writes);
  for (std::size_t i = 0; i < writes; ++i) {
    const auto start = Clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) || ::fdatasync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error("write/fdatasync failed");
    }
    samples.push_back(ms_since(start));
  }
  ::close(fd);
  std::filesystem::remove(file);
  return samples;
}

struct MemoryFigures {
  double idle_mib = -1;
  double synced_mib = -1;
  double peak_mib = -1;
  double sync_s = -1;
  bool complete = false;
};

// Runs broker, hub and one agent; reads the agent's VmRSS idle, then after `events` recorded
// events were all acked (bounded by `limit`).
MemoryFigures agent_memory(const std::filesystem::path& temp, std::size_t events, std::chrono::seconds limit) {
  testing::Mosquitto broker;
  // The journal is recorded in seconds, so under the default 60 s ambiguity window every movement
  // re-marks every count at its position for judgement: work that grows with the square of the
  // events per position (the 1M-event run, 1,000 positions, had not finished after 9 minutes).
  // This benchmark measures the agent, so the hub judges without a window.
  const auto policy = temp / "policy.json";
  std::ofstream(policy) << R"({"ambiguity_window_ms": 0})";
  HubProcess hub(temp / "hub", broker.uri(), {"--policy", policy.string()});
  const auto dir = temp / "agent";
  record_events(dir, "site-1", "dev-mem", 1, 1);  // creates the journal; one event to sync

  boost::asio::io_context io;
  mqtt::LinkOptions options;
  options.uri = broker.uri();
  options.client_id = "bench-mem-watch";
  options.clean_session = true;
  mqtt::Link watcher(io, options);
  std::uint64_t acked = 0;
  std::uint64_t wanted = 1;
  watcher.on_message([&](mqtt::Message message) {
    auto ack = protocol::decode_ack(message.payload);
    if (!ack) return;
    acked = std::max(acked, ack->acked_through);
    if (acked >= wanted) io.stop();
  });
  watcher.subscribe({protocol::device_topic("site-1", "dev-mem", protocol::DeviceChannel::kAck)},
                    mqtt::Qos::kAtLeastOnce);
  // Subscribed before the agent starts: acks are not retained, and the first one comes within
  // milliseconds of the agent's connect.
  bool subscribed = false;
  watcher.on_connected([&] {
    subscribed = true;
    io.stop();
  });
  watcher.start();
  {
    boost::asio::steady_timer deadline(io, std::chrono::seconds(10));
    deadline.async_wait([&](auto error) {
      if (!error) io.stop();
    });
    io.run();
    io.restart();
  }
  if (!subscribed) throw std::runtime_error("the ack watcher could not connect to the broker");
  auto agent = start_agent(dir, broker.uri(), testing::hub_key_file(temp / "hub"));
  auto wait_acked = [&](std::chrono::seconds bound) {
    boost::asio::steady_timer deadline(io, bound);
    deadline.async_wait([&](auto error) {
      if (!error) io.stop();
    });
    io.run();
    io.restart();
    return acked >= wanted;
  };
  MemoryFigures figures;
  if (!wait_acked(std::chrono::seconds(30))) throw std::runtime_error("the agent's first event was not acked");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // connected, synced, nothing to do
  figures.idle_mib = rss_mib(agent->pid());

  // Recorded by a second process while the agent runs, as the scan UI would.
  const auto start = Clock::now();
  wanted = 1 + events;
  // One device's aisle of a warehouse (tests/support/warehouse_events.hpp), as a handheld records it.
  std::thread recorder([&]() {
    const std::filesystem::path lines = dir.string() + ".jsonl";
    testing::write_warehouse_event_lines(lines, 0, events, 2);
    record_event_lines(dir, "site-1", "dev-mem", lines);
  });
  recorder.join();
  figures.complete = wait_acked(limit);
  figures.sync_s = seconds_since(start);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  figures.synced_mib = rss_mib(agent->pid());
  figures.peak_mib = rss_mib(agent->pid(), "VmHWM");
  if (!figures.complete) std::cerr << "agent memory: only " << acked << " of " << wanted << " acked in time\n";
  stop_link(watcher);
  agent->stop(SIGTERM);
  hub.stop();
  return figures;
}

int run(const Args& args) {
  const auto records = static_cast<std::size_t>(args.number("records", 2000));
  const auto journal_events = static_cast<std::size_t>(args.number("journal-events", 100000));
  const bool primary = args.flag("primary");
  auto report = [&](const std::string& name, const std::string& suffix, double value, const std::string& unit) {
    if (primary) emit(name, value, unit);
    emit(name + "@" + suffix, value, unit);
  };
  testing::TempDir temp;
  const std::string records_suffix = "records=" + std::to_string(records);

  if (records > 0) {
    const auto confirm = confirm_latencies(temp / "journal", records);
    const auto fsync = fsync_latencies(temp / "fsync.bin", records);
    report("agent_confirm_p50_ms", records_suffix, quantile(confirm, 0.50), "ms");
    report("agent_confirm_p99_ms", records_suffix, quantile(confirm, 0.99), "ms");
    report("agent_confirm_max_ms", records_suffix, quantile(confirm, 1.0), "ms");
    report("raw_fsync_p50_ms", records_suffix, quantile(fsync, 0.50), "ms");
    report("raw_fsync_p99_ms", records_suffix, quantile(fsync, 0.99), "ms");
    report("raw_fsync_max_ms", records_suffix, quantile(fsync, 1.0), "ms");
  }
  if (journal_events > 0) {
    const std::string events_suffix = "events=" + std::to_string(journal_events);
    const auto memory = agent_memory(temp.path(), journal_events, std::chrono::seconds(args.number("timeout-s", 600)));
    report("agent_rss_idle_mb", events_suffix, memory.idle_mib, "MiB");
    const std::string rss_name = "agent_rss_" + std::to_string(journal_events / 1000) + "k_mb";
    report(rss_name, events_suffix, memory.synced_mib, "MiB");
    if (primary && rss_name != "agent_rss_100k_mb") emit("agent_rss_100k_mb", memory.synced_mib, "MiB");
    report("agent_rss_peak_mb", events_suffix, memory.peak_mib, "MiB");
    report("agent_sync_events_per_s", events_suffix,
           memory.complete ? static_cast<double>(journal_events) / memory.sync_s : 0, "events/s");
    report("agent_sync_complete", events_suffix, memory.complete ? 1 : 0, "bool");
    return memory.complete ? 0 : 1;
  }
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("agent_bench", argc, argv, recount::bench::run); }
