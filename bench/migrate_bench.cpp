// recountctl migrate sqlite-to-postgresql's copy (hub/storage/database_copy.hpp) of a hub
// database holding --events events from four devices into a PostgreSQL server of the benchmark's
// own (fsync on, as in production), then the audit verification the command runs after it. Beside
// it, in the same run, the limits of the two ends: the SQLite file's events read whole by one
// SELECT stepped to its end, and the server copying the same rows into a new table by itself
// (CREATE TABLE AS SELECT: no client, no round trip), which no copy through a client can beat.
//
// Usage: migrate_bench [--events 200000] [--batch 500]
// Prints "name value unit" lines (docs/performance.md, "Moving a hub to PostgreSQL").
#include <iostream>
#include <string>

#include "bench/bench_support.hpp"
#include "bench/ledger_batches.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/storage/database_copy.hpp"
#include "hub/storage/hub_schema.hpp"
#include "hub/storage/postgres.hpp"
#include "shared/storage/statement_set.hpp"
#include "tests/support/postgres.hpp"

namespace recount::bench {
namespace {

constexpr std::int64_t kNowMs = kLedgerNowMs;

std::int64_t count_of(storage::Connection& database, const std::string& sql) {
  auto query = must(database.prepare(sql), "count");
  return must(storage::single_int(query), "count");
}

int run(const Args& args) {
  const std::int64_t events = args.number("events", 200'000);
  const std::int64_t batch = args.number("batch", 500);
  if (events < 4 || batch <= 0) {
    std::cerr << "migrate_bench: need --events >= 4 and --batch > 0\n";
    return 2;
  }
  testing::TempDir dir;
  const auto file = dir / "hub.db";
  {
    auto ledger = must(hub::Ledger::open(file, [] { return kNowMs; }), "open the SQLite ledger");
    must(storage::migrate(ledger.database(), hub::hub_schema_components([] { return kNowMs; })), "migrate");
    const std::int64_t per_device = events / 4;
    for (int device = 1; device <= 4; ++device) {
      for (std::int64_t first = 1; first <= per_device; first += batch) {
        auto write = must(ledger.begin_write(), "begin");
        must(write.apply(count_batch(static_cast<std::uint64_t>(first),
                                     static_cast<std::size_t>(std::min(batch, per_device - first + 1)), device)),
             "apply");
        must(write.commit(), "commit");
      }
    }
    must(hub::Ledger::close_cleanly(std::move(ledger)), "close");
  }
  auto source = must(storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal),
                     "open the source");
  const std::int64_t stored = count_of(source, "SELECT count(*) FROM events");
  emit("migrate_events", static_cast<double>(stored), "events");

  testing::PostgresServer server(testing::PostgresServer::Fsync::kOn);
  auto target = must(storage::PostgresConnection::open(server.url()), "connect");
  hub::DatabaseCopy copy;
  double copy_s = 0;
  const double copy_mib = peak_extra_mib([&] {
    const auto components = hub::hub_schema_components();
    const auto start = Clock::now();
    copy = must(hub::copy_to_postgres(source, target, components), "copy");
    copy_s = seconds_since(start);
  });
  emit("migrate_rows", static_cast<double>(copy.rows), "rows");
  emit("migrate_copy_s", copy_s, "s");
  emit("migrate_rows_per_s", static_cast<double>(copy.rows) / copy_s, "rows/s");
  emit("migrate_copy_peak_extra_mib", copy_mib, "MiB");

  auto start = Clock::now();
  auto ledger = must(hub::Ledger::connect(server.url()), "connect the ledger");
  const auto verification = must(ledger.audit().verify(), "verify");
  if (verification.broken_id) throw std::runtime_error("the copy's chain did not verify: " + verification.problem);
  emit("migrate_verify_s", seconds_since(start), "s");

  // The two ends' limits on the same rows.
  auto scan = must(source.prepare("SELECT * FROM events"), "scan");
  start = Clock::now();
  std::int64_t scanned = 0;
  while (must(scan.step(), "scan step")) ++scanned;
  const double scan_s = seconds_since(start);
  emit("raw_sqlite_scan_events_per_s", static_cast<double>(scanned) / scan_s, "events/s");
  start = Clock::now();
  must(target.execute("CREATE TABLE bench_raw AS SELECT * FROM events"), "server-side copy");
  const double server_s = seconds_since(start);
  emit("raw_server_copy_events_per_s", static_cast<double>(stored) / server_s, "events/s");
  const double events_s = copy_s * static_cast<double>(stored) / static_cast<double>(copy.rows);
  emit("migrate_events_per_s", static_cast<double>(stored) / events_s, "events/s");
  emit("migrate_over_raw_server_copy", server_s / events_s, "ratio");
  emit("migrate_over_raw_sqlite_scan", scan_s / events_s, "ratio");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("migrate_bench", argc, argv, recount::bench::run); }
