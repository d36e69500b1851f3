// The ledger's write transaction and its audit verification on both engines: a SQLite file and a
// PostgreSQL database (a server of the benchmark's own, with fsync on, as in production). Batches
// of events are applied each in its own LedgerWrite and commit, then AuditLog::verify() walks the
// chain against every event. Beside them, in the same run, each engine's raw limits through the
// same connection: one-row commits (what a batch's commit cannot beat) and one SELECT of every
// event stepped to its end (the read verify() makes, without its hashing; on PostgreSQL the whole
// result is held at once, which verify() avoids by reading in pages).
//
// Usage: ledger_bench [--events 100000] [--batch 100] [--backend sqlite|postgresql|both]
// Prints "name value unit" lines (docs/performance.md, "The ledger on PostgreSQL").

#include <iostream>
#include <memory>
#include <string>

#include "bench/bench_support.hpp"
#include "bench/ledger_batches.hpp"
#include "hub/ledger/event_digest.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/storage/statement_set.hpp"
#include "tests/support/postgres.hpp"

namespace recount::bench {
namespace {

constexpr std::int64_t kNowMs = kLedgerNowMs;

void run_on(const std::string& engine, hub::Ledger& ledger, std::int64_t events, std::int64_t batch) {
  const auto report = [&](const std::string& name, double value, const std::string& unit) {
    emit("ledger_" + engine + "_" + name, value, unit);
  };
  const std::int64_t batches = (events + batch - 1) / batch;
  auto start = Clock::now();
  for (std::int64_t i = 0; i < batches; ++i) {
    const auto first = static_cast<std::uint64_t>(i * batch + 1);
    auto write = must(ledger.begin_write(), "begin");
    must(write.apply(count_batch(first, static_cast<std::size_t>(std::min(batch, events - i * batch)))), "apply");
    must(write.commit(), "commit");
  }
  const double apply_s = seconds_since(start);
  report("apply_batches_per_s", static_cast<double>(batches) / apply_s, "batches/s");
  report("apply_events_per_s", static_cast<double>(events) / apply_s, "events/s");

  // Raw: one-row commits through the same connection, as many as there were batches (at most 2,000).
  storage::Connection& connection = ledger.database();
  must(connection.execute("CREATE TABLE bench_raw (k BIGINT PRIMARY KEY)"), "raw table");
  auto insert = must(connection.prepare("INSERT INTO bench_raw (k) VALUES (?1)"), "raw insert");
  const std::int64_t commits = std::min<std::int64_t>(batches, 2'000);
  start = Clock::now();
  for (std::int64_t k = 0; k < commits; ++k) {
    must(connection.begin(), "raw begin");
    must(insert.bind(1, k).run(), "raw insert");
    must(connection.commit(), "raw commit");
  }
  const double raw_commits_per_s = static_cast<double>(commits) / seconds_since(start);
  report("raw_commits_per_s", raw_commits_per_s, "commits/s");
  report("apply_batches_over_raw_commits", static_cast<double>(batches) / apply_s / raw_commits_per_s, "ratio");

  double verify_s = 0;
  const double verify_mib = peak_extra_mib([&] {
    start = Clock::now();
    const auto verification = must(ledger.audit().verify(), "verify");
    verify_s = seconds_since(start);
    if (verification.broken_id || verification.entries != static_cast<std::uint64_t>(batches)) {
      throw std::runtime_error("the chain did not verify: " + verification.problem);
    }
  });
  report("verify_s", verify_s, "s");
  report("verify_events_per_s", static_cast<double>(events) / verify_s, "events/s");
  report("verify_peak_extra_mib", verify_mib, "MiB");

  double scan_s = 0;
  const double scan_mib = peak_extra_mib([&] {
    auto all = must(connection.prepare(hub::EventDigester::select_in_storage_order()), "scan");
    start = Clock::now();
    std::int64_t rows = 0;
    while (must(all.step(), "scan step")) ++rows;
    scan_s = seconds_since(start);
    if (rows != events) throw std::runtime_error("the scan read " + std::to_string(rows) + " events");
  });
  report("raw_scan_events_per_s", static_cast<double>(events) / scan_s, "events/s");
  report("raw_scan_peak_extra_mib", scan_mib, "MiB");
  report("verify_over_raw_scan", scan_s / verify_s, "ratio");
}

int run(const Args& args) {
  const std::int64_t events = args.number("events", 100'000);
  const std::int64_t batch = args.number("batch", 100);
  const std::string backend = args.text("backend", "both");
  if (events <= 0 || batch <= 0 || (backend != "sqlite" && backend != "postgresql" && backend != "both")) {
    std::cerr << "ledger_bench: need --events > 0, --batch > 0, --backend sqlite|postgresql|both\n";
    return 2;
  }
  emit("ledger_events", static_cast<double>(events), "events");
  emit("ledger_batch_events", static_cast<double>(batch), "events");
  if (backend != "postgresql") {
    testing::TempDir dir;
    auto ledger = must(hub::Ledger::open(dir / "hub.db", [] { return kNowMs; }), "open the SQLite ledger");
    run_on("sqlite", ledger, events, batch);
  }
  if (backend != "sqlite") {
    testing::PostgresServer server(testing::PostgresServer::Fsync::kOn);
    auto ledger = must(hub::Ledger::connect(server.url(), [] { return kNowMs; }), "connect the PostgreSQL ledger");
    run_on("postgresql", ledger, events, batch);
  }
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("ledger_bench", argc, argv, recount::bench::run); }
