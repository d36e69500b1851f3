// Scan-to-task latency: a count with a variance committed on device A, until the recount task it
// raises is received by device B. Everything real, on 127.0.0.1: Mosquitto, recount-hub, and A
// and B as `recount-agent run` processes. The counts are recorded into A's journal by this
// process, one at a time, as the scan UI records them (a second process beside `run`); B's
// receipt is the task_ack B records in its journal when it stores the task list (agent/catalog/
// catalog_feed.cpp), read from B's journal afterwards. Beside it, in the same run: the broker's
// own round trip (a QoS 1 message from one client through Mosquitto to another).
//
// Usage: scan_to_task_bench [--counts 1000] [--interval-ms 20] [--timeout-s 300] [--primary]
// Prints "name value unit" lines; names get "@counts=N,interval_ms=I" appended, and the bare name
// is printed too when --primary is given.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/journal/journal.hpp"
#include "bench/bench_support.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::bench {
namespace {

constexpr const char* kSite = "site-1";
constexpr std::int64_t kStock = 10;    // received at every counted position beforehand
constexpr std::int64_t kVariance = 3;  // every count finds this many more: outside the default tolerance

double wall_ms_now() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string location_of(std::size_t index) { return "B-" + std::to_string(10000 + index); }

// A draft for the journal at the index-th position (one location each).
Event at_position(std::size_t index, EventType type, const std::string& user, std::int64_t qty) {
  Event event;
  event.type = type;
  event.user = user;
  event.location = location_of(index);
  event.sku = "SKU-" + std::to_string(index % 50);
  event.qty = qty;
  return event;
}

// One QoS 1 message at a time from one client through the broker to another, `messages` times:
// milliseconds from publish to delivery.
std::vector<double> broker_round_trips(const std::string& uri, std::size_t messages, std::size_t payload_bytes) {
  boost::asio::io_context io;
  auto options = [&](const char* id) {
    mqtt::LinkOptions link_options;
    link_options.uri = uri;
    link_options.client_id = id;
    link_options.clean_session = true;
    return link_options;
  };
  mqtt::Link publisher(io, options("bench-rtt-pub"));
  mqtt::Link subscriber(io, options("bench-rtt-sub"));
  const std::string payload(payload_bytes, 'x');
  std::vector<double> samples;
  Clock::time_point sent;
  auto send = [&]() {
    sent = Clock::now();
    publisher.publish({"bench/rtt", payload}, mqtt::Qos::kAtLeastOnce);
  };
  subscriber.on_message([&](mqtt::Message) {
    samples.push_back(ms_since(sent));
    if (samples.size() == messages) {
      io.stop();
    } else {
      send();
    }
  });
  int connected = 0;
  boost::asio::steady_timer pause(io);
  auto begin = [&]() {
    if (++connected != 2) return;
    // Subscribing is asynchronous; a pause lets the SUBACK arrive before the first publish.
    pause.expires_after(std::chrono::milliseconds(300));
    pause.async_wait([&](auto error) {
      if (!error) send();
    });
  };
  subscriber.on_connected(begin);
  publisher.on_connected(begin);
  subscriber.subscribe({"bench/rtt"}, mqtt::Qos::kAtLeastOnce);
  subscriber.start();
  publisher.start();
  boost::asio::steady_timer deadline(io, std::chrono::seconds(60));
  deadline.async_wait([&](auto error) {
    if (!error) io.stop();
  });
  io.run();
  stop_link(publisher);
  stop_link(subscriber);
  if (samples.size() != messages) throw std::runtime_error("broker round trips did not finish in 60 s");
  return samples;
}

// B's receipts: for each task_ack in B's journal, the task's location, when the hub created the
// task and when B recorded the ack (B's wall clock, the same clock as this process).
struct Receipt {
  std::string task_id;
  std::string location;
  std::int64_t created_ms = 0;
  std::int64_t received_ms = 0;
};

std::vector<Receipt> receipts(const std::filesystem::path& journal_dir) {
  auto database = must(storage::Database::open(journal_dir / agent::Journal::kFileName,
                                               storage::OpenMode::kExistingOnly, storage::Durability::kNormal),
                       "open B's journal");
  auto query = must(database.prepare("SELECT t.task_id, t.location, t.created_ms, e.wall_ms FROM events e JOIN tasks t"
                                     " ON t.task_id = e.task_id WHERE e.type = 'task_ack'"),
                    "query B's receipts");
  std::vector<Receipt> found;
  while (must(query.step(), "read B's receipts")) {
    found.push_back({query.column_text(0), query.column_text(1), query.column_int(2), query.column_int(3)});
  }
  return found;
}

std::uint64_t acked_through(agent::Journal& journal) { return must(journal.progress(), "progress").acked_through; }

int run(const Args& args) {
  const auto counts = static_cast<std::size_t>(args.number("counts", 1000));
  const auto interval = std::chrono::milliseconds(args.number("interval-ms", 20));
  const auto limit = std::chrono::seconds(args.number("timeout-s", 300));
  const Reporter report{"counts=" + std::to_string(counts) + ",interval_ms=" + std::to_string(interval.count()),
                        args.flag("primary")};
  testing::TempDir temp;
  testing::Mosquitto broker;

  const auto rtt = broker_round_trips(broker.uri(), 1000, 1024);
  report_latencies(report, "raw_broker_roundtrip", rtt);

  // Stock first: A receives kStock at every position it will count, and the hub has it all.
  const auto dir_a = temp / "device-a";
  const auto dir_b = temp / "device-b";
  auto journal_a = must(agent::Journal::open(dir_a, std::string(kSite), std::string("dev-a")), "journal A");
  auto journal_b = must(agent::Journal::open(dir_b, std::string(kSite), std::string("dev-b")), "journal B");
  std::vector<Event> receipts_a;
  for (std::size_t i = 0; i < counts; ++i) {
    Event receive = at_position(i, EventType::kReceive, "receiver", kStock);
    receive.reference = "PO-1";
    receipts_a.push_back(std::move(receive));
  }
  must(journal_a.record_all(std::move(receipts_a)), "record receipts");
  // The receipts are seconds old when the counts come: under the default 60 s ambiguity window
  // every count and every recount would be ambiguous and recounted again. The floor counts long
  // after stock moved; a window of 0 judges these counts as the variances they are.
  const auto policy = temp / "policy.json";
  std::ofstream(policy) << R"({"ambiguity_window_ms": 0})";
  HubProcess hub(temp / "hub", broker.uri(), {"--policy", policy.string()});
  const auto hub_key = testing::hub_key_file(temp / "hub");
  auto agent_a = start_agent(dir_a, broker.uri(), hub_key);
  auto agent_b = start_agent(dir_b, broker.uri(), hub_key);
  const auto stock_deadline = Clock::now() + limit;
  while (acked_through(journal_a) < counts && Clock::now() < stock_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (acked_through(journal_a) < counts) throw std::runtime_error("the receipts were not acked in time");

  // B's counter recounts every task B received and confirms the count, as the floor would: a
  // task list carries a site's oldest open tasks only (limits::kMaxTasksPerList), so tasks left
  // open would keep later ones from ever reaching B.
  std::map<std::string, std::size_t> index_of;  // location → position index
  // Every receipt seen, by task id: B drops a task from its table once the hub closes it, so the
  // receipts are kept here as they appear (a task stays on B until its recount closes it).
  std::map<std::string, Receipt> received;
  const auto recount_received = [&] {
    for (Receipt& receipt : receipts(dir_b)) {
      const std::string task_id = receipt.task_id;
      if (!received.emplace(task_id, std::move(receipt)).second) continue;
      const Receipt& fresh = received.at(task_id);
      Event recount = at_position(index_of.at(fresh.location), EventType::kCount, "counter-b", kStock + kVariance);
      recount.task_id = task_id;
      must(journal_b.record(std::move(recount)), "record recount");
    }
  };

  // The counts, paced: each one found kVariance more than the ledger holds.
  std::map<std::string, double> committed_ms;  // location → when A's journal commit returned
  for (std::size_t i = 0; i < counts; ++i) {
    must(journal_a.record(at_position(i, EventType::kCount, "counter-a", kStock + kVariance)), "record count");
    committed_ms[location_of(i)] = wall_ms_now();
    index_of[location_of(i)] = i;
    if (i % 10 == 9) recount_received();
    std::this_thread::sleep_for(interval);
  }

  // Until B has acknowledged a task for every count (bounded).
  const auto deadline = Clock::now() + limit;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    recount_received();
  } while (received.size() < counts && Clock::now() < deadline);

  std::vector<double> latencies;
  std::vector<double> to_hub;                        // A's commit → the hub created the task
  std::vector<double> to_device;                     // task created → B stored it
  std::vector<std::pair<double, double>> by_commit;  // (commit time, latency), to see growth
  for (const auto& [task_id, receipt] : received) {
    const auto commit = committed_ms.find(receipt.location);
    if (commit == committed_ms.end()) continue;
    const double latency = static_cast<double>(receipt.received_ms) - commit->second;
    latencies.push_back(latency);
    to_hub.push_back(static_cast<double>(receipt.created_ms) - commit->second);
    to_device.push_back(static_cast<double>(receipt.received_ms - receipt.created_ms));
    by_commit.emplace_back(commit->second, latency);
  }
  std::sort(by_commit.begin(), by_commit.end());
  const std::size_t tenth = by_commit.size() / 10;
  std::vector<double> first_tenth;
  std::vector<double> last_tenth;
  for (std::size_t i = 0; i < tenth; ++i) {
    first_tenth.push_back(by_commit[i].second);
    last_tenth.push_back(by_commit[by_commit.size() - 1 - i].second);
  }

  const bool complete = latencies.size() == counts;
  report("scan_to_task_complete", complete ? 1 : 0, "bool");
  report("scan_to_task_samples", static_cast<double>(latencies.size()), "counts");
  report_latencies(report, "scan_to_task", latencies);
  report("scan_to_task_first_tenth_p50_ms", quantile(first_tenth, 0.50), "ms");
  report("scan_to_task_last_tenth_p50_ms", quantile(last_tenth, 0.50), "ms");
  report_latencies(report, "scan_to_task_commit_to_hub", to_hub);
  report_latencies(report, "scan_to_task_hub_to_device", to_device);
  if (!complete) std::cerr << "scan_to_task: B received " << latencies.size() << " of " << counts << " tasks in time\n";
  agent_a->stop(SIGTERM);
  agent_b->stop(SIGTERM);
  hub.stop();
  return complete ? 0 : 1;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) {
  return recount::bench::main_of("scan_to_task_bench", argc, argv, recount::bench::run);
}
