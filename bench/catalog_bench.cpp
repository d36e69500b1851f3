// Catalog benchmark: a large catalog (500,000 items at the headline size) reaching a real
// `recount-agent run` through a real Mosquitto as a signed manifest and gzip chunks, as the hub
// publishes it (hub/writes/catalog_publisher.hpp). Reports the time to the first full load and
// to a one-item change (publication to the agent's "stored" line), the agent's peak RSS (VmHWM)
// against its 15 MB budget, the bytes on the wire, and beside them the raw limit of the same
// disk: the same rows inserted into a fresh SQLite file in one transaction.
//
// Usage: catalog_bench [--items 500000] [--timeout-s 600] [--primary]
#include <csignal>
#include <functional>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "bench/bench_support.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::bench {
namespace {

constexpr const char* kSite = "site-1";

// Items as a retailer's catalog has them: a SKU, a short description, a class, one barcode.
protocol::Catalog make_catalog(std::size_t items) {
  protocol::Catalog catalog{kSite, 1, {}, {{"A-01", "LOC-A-01", "shelf"}}, {}};
  catalog.items.reserve(items);
  for (std::size_t n = 0; n < items; ++n) {
    const auto number = std::to_string(n);
    catalog.items.push_back({"SKU-" + number,
                             "Item " + number + " 500 g",
                             static_cast<std::int64_t>(100 + n % 900),
                             n % 2 == 0 ? "grocery" : "household",
                             {{"INT-" + number, 1}}});
  }
  return catalog;
}

// The raw limit: the same items and barcodes into a fresh file, one transaction, synchronous=FULL.
double raw_insert_s(const std::filesystem::path& file, const protocol::Catalog& catalog) {
  auto database = must(storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kFull),
                       "raw database");
  must(database.execute("CREATE TABLE items (sku TEXT PRIMARY KEY, description TEXT, item_class TEXT); "
                        "CREATE TABLE barcodes (code TEXT PRIMARY KEY, sku TEXT NOT NULL, pack_qty INTEGER NOT NULL)"),
       "raw schema");
  const auto start = Clock::now();
  auto transaction = must(storage::Transaction::begin(database), "raw begin");
  {
    auto item = must(database.prepare("INSERT INTO items VALUES(?, ?, ?)"), "raw item");
    auto barcode = must(database.prepare("INSERT INTO barcodes VALUES(?, ?, ?)"), "raw barcode");
    for (const auto& entry : catalog.items) {
      must(item.bind(1, entry.sku).bind(2, entry.description).bind(3, entry.item_class).run(), "raw item insert");
      for (const auto& code : entry.barcodes) {
        must(barcode.bind(1, code.code).bind(2, entry.sku).bind(3, code.pack_qty).run(), "raw barcode insert");
      }
    }
  }
  must(transaction.commit(), "raw commit");
  return seconds_since(start);
}

// The load is real: the agent's journal holds every item and barcode (read beside the running
// agent, as its scan UI reads).
void check_stored(const std::filesystem::path& dir, std::size_t items) {
  auto database =
      must(storage::Database::open(dir / "journal.db", storage::OpenMode::kExistingOnly, storage::Durability::kFull),
           "agent journal");
  for (const char* table : {"catalog_items", "catalog_barcodes"}) {
    auto count = must(database.prepare(std::string("SELECT count(*) FROM ") + table), "count");
    if (!must(count.step(), "count step") || static_cast<std::size_t>(count.column_int(0)) != items) {
      throw std::runtime_error(std::string("the agent reported the catalog stored, but ") + table + " holds " +
                               std::to_string(count.column_int(0)) + " rows, not " + std::to_string(items));
    }
  }
}

// Publishes `messages`, at most 256 in flight; runs the io_context until the broker took them all.
void publish_all(boost::asio::io_context& io, mqtt::Link& link, std::vector<mqtt::Message> messages) {
  std::size_t next = 0;
  std::size_t done = 0;
  std::size_t in_flight = 0;
  std::function<void()> pump = [&] {
    while (next < messages.size() && in_flight < 256) {
      ++in_flight;
      link.publish(std::move(messages[next++]), mqtt::Qos::kAtLeastOnce, [&](const Result<void>& result) {
        if (!result) throw std::runtime_error("publish: " + result.error().describe());
        --in_flight;
        ++done;
        pump();
      });
    }
  };
  pump();
  while (done < messages.size()) {
    // Out of work for a moment (the Paho thread has not answered yet): the io_context stops.
    if (io.run_one() == 0) {
      io.restart();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

// Polls the agent's stdout (bounded) until it says `text`; the seconds since `start`.
double wait_for(testing::Process& agent, const std::string& text, Clock::time_point start, std::int64_t timeout_s) {
  while (agent.output().find(text) == std::string::npos) {
    if (seconds_since(start) > static_cast<double>(timeout_s)) {
      throw std::runtime_error("the agent did not say '" + text + "' within " + std::to_string(timeout_s) +
                               " s; its output: " + agent.output() + agent.errors());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seconds_since(start);
}

std::vector<mqtt::Message> messages_of(const protocol::ChunkedCatalog& chunked, const crypto::SigningKey& key,
                                       const protocol::ChunkedCatalog* before) {
  std::vector<mqtt::Message> messages;
  messages.push_back(
      {protocol::catalog_topic(kSite), protocol::sign_payload(protocol::encode(chunked.manifest), key), true});
  for (std::size_t i = 0; i < chunked.payloads.size(); ++i) {
    if (before != nullptr && before->manifest.chunks[i] == chunked.manifest.chunks[i]) continue;
    messages.push_back(
        {protocol::catalog_chunk_topic(kSite, chunked.manifest.chunks[i].id), chunked.payloads[i], true});
  }
  return messages;
}

int run(const Args& args) {
  const auto items = static_cast<std::size_t>(args.number("items", 500'000));
  const auto timeout_s = args.number("timeout-s", 600);
  const Reporter report{std::to_string(items), args.flag("primary")};
  testing::TempDir temp;

  auto catalog = make_catalog(items);
  report("catalog_raw_sqlite_insert_s", raw_insert_s(temp / "raw.db", catalog), "s");
  report("catalog_single_message_bytes", static_cast<double>(protocol::encode(catalog).size()), "bytes");

  auto start = Clock::now();
  auto first = protocol::chunk_catalog(catalog);
  report("catalog_chunking_s", seconds_since(start), "s");
  std::size_t wire = 0;
  for (const auto& payload : first.payloads) wire += payload.size();
  report("catalog_chunks", static_cast<double>(first.payloads.size()), "chunks");
  report("catalog_chunk_bytes_total", static_cast<double>(wire), "bytes");

  testing::Mosquitto broker;
  const auto hub_dir = temp / "hub";
  const auto key_file = testing::hub_key_file(hub_dir);
  const auto key = must(crypto::SigningKey::load(hub_dir / "hub-signing.key"), "hub key");
  const auto dir = temp / "agent";
  record_events(dir, kSite, "dev-cat", 1, 1);  // creates the journal

  boost::asio::io_context io;
  mqtt::LinkOptions options;
  options.uri = broker.uri();
  options.client_id = "bench-catalog-hub";
  options.clean_session = true;
  options.max_inflight = 1024;
  mqtt::Link link(io, options);
  bool connected = false;
  link.on_connected([&] { connected = true; });
  link.start();
  for (int i = 0; i < 1000 && !connected; ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!connected) throw std::runtime_error("the publisher could not connect to the broker");

  // The agent is up and subscribed before the catalog goes out: the load is timed from
  // publication, as an import on a running hub would be.
  auto agent = start_agent(dir, broker.uri(), key_file);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double idle_mib = rss_mib(agent->pid(), "VmRSS");
  start = Clock::now();
  publish_all(io, link, messages_of(first, key, nullptr));
  report("catalog_first_load_s", wait_for(*agent, "catalog version 1 stored", start, timeout_s), "s");
  report("catalog_first_load_items_per_s", static_cast<double>(items) / seconds_since(start), "items/s");
  check_stored(dir, items);

  catalog.version = 2;
  catalog.items[items / 2].description = "Renamed";
  auto second = protocol::chunk_catalog(catalog);
  auto changed = messages_of(second, key, &first);
  report("catalog_change_messages", static_cast<double>(changed.size()), "messages");
  start = Clock::now();
  publish_all(io, link, std::move(changed));
  report("catalog_one_item_change_s", wait_for(*agent, "catalog version 2 stored", start, timeout_s), "s");

  report("catalog_agent_idle_rss_mib", idle_mib, "MiB");
  report("catalog_agent_peak_rss_mib", rss_mib(agent->pid(), "VmHWM"), "MiB");
  report("catalog_agent_rss_after_mib", rss_mib(agent->pid(), "VmRSS"), "MiB");
  agent->stop(SIGTERM);
  stop_link(link);
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("catalog_bench", argc, argv, recount::bench::run); }
