// Reconciliation at scale: P positions with M movements and count groups on a fraction of them,
// in a real SQLite file with the hub's reconcile_ tables. Measures the full re-evaluation
// (Reconciler::reevaluate_all) and the projections check that reads every movement
// (verify_projections), and the incremental cost of one late movement (apply() dated before a
// position's count, then settle()). Beside them, in the same run on the same file: SQLite's
// sequential read rate of the movements and count groups, the raw limit of both full passes.
//
// Movements are bulk-loaded with prepared inserts (applying 10M one by one through apply() would
// dominate the run); verify_projections() then has to find the loaded state consistent (it
// reports what it repaired, and the benchmark fails unless that is 0). Counts go through apply()
// and settle() in batches, as the hub's ingest feeds them.
//
// Usage: reconcile_bench [--positions 1000000] [--movements 10000000] [--counted-percent 10]
//                        [--late-events 1000] [--primary]
// Prints "name value unit" lines; names get "@positions=P,movements=M" appended, and the bare
// name is printed too when --primary is given.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>

#include "bench/bench_support.hpp"
#include "hub/ledger/schema.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "shared/core/random_id.hpp"

namespace recount::bench {
namespace {

using hub::reconcile::CatalogSnapshot;
using hub::reconcile::Reconciler;

constexpr std::string_view kSite = "site-1";
constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::size_t kSkus = 1000;
constexpr std::size_t kPositionsPerLocation = 10;
constexpr std::size_t kPositionsPerTransaction = 50'000;
constexpr std::size_t kCountsPerBatch = 500;  // one full protocol batch per commit

std::int64_t stamp_of(std::int64_t wall_ms) { return wall_ms << 16; }

std::string location_of(std::size_t position) {
  char text[32];
  std::snprintf(text, sizeof text, "A-%06zu", position / kPositionsPerLocation);
  return text;
}

// Every position of a location holds a different SKU.
std::string sku_of(std::size_t position) {
  const std::size_t index = (position % kPositionsPerLocation) * (kSkus / kPositionsPerLocation) +
                            (position / kPositionsPerLocation) % (kSkus / kPositionsPerLocation);
  char text[32];
  std::snprintf(text, sizeof text, "SKU-%04zu", index);
  return text;
}

// UUID-shaped and unique per (position, movement), so keys are as long as the ledger's.
std::string movement_id(std::size_t position, std::size_t k) {
  char text[64];
  std::snprintf(text, sizeof text, "0190b2a4-%04zx-7%03zx-8%03zx-%012zx", k & 0xffff, position >> 24 & 0xfff,
                position >> 12 & 0xfff, position);
  return text;
}

CatalogSnapshot make_catalog(std::size_t locations) {
  protocol::Catalog catalog;
  catalog.site = std::string(kSite);
  catalog.version = 1;
  for (std::size_t s = 0; s < kSkus; ++s) {
    char sku[32];
    std::snprintf(sku, sizeof sku, "SKU-%04zu", s);
    catalog.items.push_back({sku,
                             "item",
                             static_cast<std::int64_t>(100 + s % 900),
                             s % 2 ? "grocery" : "hardware",
                             {{"59" + std::to_string(1000000 + s), 1}, {"19" + std::to_string(1000000 + s), 12}}});
  }
  for (std::size_t l = 0; l < locations; ++l) {
    const std::string location = location_of(l * kPositionsPerLocation);
    catalog.locations.push_back({location, "LOC:" + location, "shelf"});
  }
  CatalogSnapshot snapshot;
  snapshot.put(catalog);
  return snapshot;
}

// Where the counted positions were counted: the time and the balance the ledger had then.
struct CountedPosition {
  std::size_t position = 0;
  std::int64_t count_ms = 0;
  std::int64_t expected = 0;
};

// Movements one hour apart per position, starting with a baseline; receipts and sales keep the
// balance at or above zero. Writes positions and movements directly (prepared inserts, one
// transaction per kPositionsPerTransaction positions) and returns, for the positions chosen to
// be counted, a count time half an hour after the movement two thirds in.
std::vector<CountedPosition> load_movements(storage::Database& database, std::size_t positions, std::size_t movements,
                                            int counted_percent, std::int64_t start_ms, std::mt19937& random) {
  auto position_insert = must(database.prepare("INSERT INTO reconcile_positions (id, site, location, sku, lot,"
                                               " on_hand, movements) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)"),
                              "prepare positions");
  auto movement_insert = must(database.prepare("INSERT INTO reconcile_movements (position_id, hlc, event_id, type,"
                                               " qty, delta, physical, wall_ms, device, user, reason, reference)"
                                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', ?11)"),
                              "prepare movements");
  std::vector<CountedPosition> counted;
  for (std::size_t p = 0; p < positions; ++p) {
    if (p % kPositionsPerTransaction == 0) must(database.begin(), "begin");
    const std::size_t legs = movements / positions + (p < movements % positions ? 1 : 0);
    // Spread positions over an hour, so stamps differ across positions as on a real floor.
    const std::int64_t first_ms = start_ms + static_cast<std::int64_t>(p % 3600) * 1000;
    const std::size_t counted_after = legs * 2 / 3;
    const bool is_counted = static_cast<int>(random() % 100) < counted_percent;
    std::int64_t balance = 0;
    for (std::size_t k = 0; k < legs; ++k) {
      const std::int64_t wall_ms = first_ms + static_cast<std::int64_t>(k) * kHourMs;
      EventType type = EventType::kReceive;
      std::int64_t qty = 1 + static_cast<std::int64_t>(random() % 12);
      if (k == 0) {
        type = EventType::kBaseline;
        qty = 20 + static_cast<std::int64_t>(p % 30);
      } else if (k % 2 == 0 && balance > 0) {
        type = EventType::kSale;
        qty = 1 + static_cast<std::int64_t>(random() % static_cast<unsigned>(std::min<std::int64_t>(balance, 6)));
      }
      const std::int64_t delta = type == EventType::kSale ? -qty : qty;  // a first baseline sets qty
      balance += delta;
      const std::string device = "hh-" + std::to_string(random() % 50);
      movement_insert.bind(1, static_cast<std::int64_t>(p + 1))
          .bind(2, stamp_of(wall_ms))
          .bind(3, movement_id(p, k))
          .bind(4, to_string(type))
          .bind(5, qty)
          .bind(6, delta)
          .bind(7, std::int64_t{type != EventType::kBaseline})
          .bind(8, wall_ms)
          .bind(9, device)
          .bind(10, "u-" + std::to_string(random() % 200))
          .bind(11, type == EventType::kReceive ? "PO-" + std::to_string(random() % 100000) : std::string());
      must(movement_insert.run(), "insert movement");
      if (is_counted && k + 1 == std::max<std::size_t>(counted_after, 1)) {
        counted.push_back({p, wall_ms + kHourMs / 2, balance});
      }
    }
    must(position_insert.bind(1, static_cast<std::int64_t>(p + 1))
             .bind(2, kSite)
             .bind(3, location_of(p))
             .bind(4, sku_of(p))
             .bind(5, balance)
             .bind(6, static_cast<std::int64_t>(legs))
             .run(),
         "insert position");
    if ((p + 1) % kPositionsPerTransaction == 0 || p + 1 == positions) must(database.commit(), "commit");
  }
  return counted;
}

Event count_event(const CountedPosition& at, std::int64_t counted, std::size_t index) {
  Event event;
  event.type = EventType::kCount;
  event.wall_ms = at.count_ms;
  event.hlc = HlcStamp{static_cast<std::uint64_t>(stamp_of(at.count_ms))};
  event.event_id = uuid_v7(at.count_ms);
  event.user = "u-" + std::to_string(index % 200);
  event.location = location_of(at.position);
  event.sku = sku_of(at.position);
  event.qty = counted;
  event.session = "S-" + std::to_string(at.position);
  return event;
}

std::uintmax_t file_size_or_zero(const std::filesystem::path& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  return error ? 0 : size;
}

int run(const Args& args) {
  const auto positions = static_cast<std::size_t>(args.number("positions", 1'000'000));
  const auto movements = static_cast<std::size_t>(args.number("movements", 10'000'000));
  const auto counted_percent = static_cast<int>(args.number("counted-percent", 10));
  const auto late_events = static_cast<std::size_t>(args.number("late-events", 1000));
  if (positions == 0 || movements < positions || counted_percent <= 0 || counted_percent > 100) {
    std::cerr << "reconcile_bench: need --positions > 0, --movements >= --positions, --counted-percent in 1..100\n";
    return 2;
  }
  const Reporter report{"positions=" + std::to_string(positions) + ",movements=" + std::to_string(movements),
                        args.flag("primary")};
  testing::TempDir temp;
  const auto file = temp / "hub.db";
  auto database =
      must(storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kFull), "open");
  const CatalogSnapshot catalog = make_catalog((positions + kPositionsPerLocation - 1) / kPositionsPerLocation);
  // A hub database: the ledger's tables too, which reconciliation reads its events from.
  must(hub::migrate(database), "ledger schema");
  auto reconciler = must(Reconciler::open(database, catalog), "reconciler");
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::int64_t legs = static_cast<std::int64_t>(movements / positions + 1);
  const std::int64_t start_ms = now_ms - (legs + 2) * kHourMs;
  std::mt19937 random(6);

  // Setup: movements bulk-loaded, counts through the engine.
  auto started = Clock::now();
  auto counted = load_movements(database, positions, movements, counted_percent, start_ms, random);
  report("reconcile_load_movements_per_s", static_cast<double>(movements) / seconds_since(started), "rows/s");
  const hub::Origin origin{std::string(kSite), "hh-bench", "00000000000000e1"};
  started = Clock::now();
  std::size_t with_variance = 0;
  for (std::size_t i = 0; i < counted.size(); i += kCountsPerBatch) {
    auto transaction = must(storage::Transaction::begin(database), "begin counts");
    for (std::size_t j = i; j < std::min(counted.size(), i + kCountsPerBatch); ++j) {
      // One count in a hundred is off by one to three units: a discrepancy and a recount task.
      const bool off = j % 100 == 0;
      if (off) ++with_variance;
      const std::int64_t qty = counted[j].expected + (off ? 1 + static_cast<std::int64_t>(j % 3) : 0);
      must(reconciler.apply(origin, count_event(counted[j], qty, j), now_ms), "apply count");
    }
    must(reconciler.settle(now_ms), "settle counts");
    must(transaction.commit(), "commit counts");
  }
  report("reconcile_count_groups", static_cast<double>(counted.size()), "groups");
  report("reconcile_counts_with_variance", static_cast<double>(with_variance), "groups");
  report("reconcile_counts_per_s", static_cast<double>(counted.size()) / seconds_since(started), "counts/s");

  // The raw limits: SQLite reading the same rows in the same order as the two full passes.
  const auto movement_scan = raw_scan(
      database, "SELECT position_id, hlc, delta, physical FROM reconcile_movements ORDER BY position_id, hlc, event_id",
      4);
  report("raw_sqlite_scan_movements_rows_per_s", static_cast<double>(movement_scan.rows) / movement_scan.seconds,
         "rows/s");
  report("raw_sqlite_scan_movements_s", movement_scan.seconds, "s");
  const auto group_scan =
      raw_scan(database,
               "SELECT g.id, g.position_id, p.site, p.location, p.sku, p.lot, g.counted, g.first_hlc, g.last_hlc,"
               " g.expected, g.role, g.verdict, g.variance FROM reconcile_groups g JOIN reconcile_positions p"
               " ON p.id = g.position_id ORDER BY g.position_id, g.last_hlc, g.id",
               2);
  report("raw_sqlite_scan_groups_rows_per_s", static_cast<double>(group_scan.rows) / group_scan.seconds, "rows/s");
  report("raw_sqlite_scan_groups_s", group_scan.seconds, "s");

  // verify_projections(): every movement read; the bulk load must hold up.
  std::size_t repaired = 0;
  {
    auto transaction = must(storage::Transaction::begin(database), "begin verify");
    started = Clock::now();
    const auto verified = must(reconciler.verify_projections(now_ms), "verify_projections");
    report("reconcile_verify_s", seconds_since(started), "s");
    must(transaction.commit(), "commit verify");
    repaired = verified.positions_repaired + verified.groups_repaired;
    report("reconcile_verify_repaired", static_cast<double>(repaired), "rows");
  }

  // reevaluate_all(): first under the policy the counts were judged by (nothing changes), then
  // after a policy change that moves the ambiguity window (every group's movements probed again)
  // and adds a tolerance (the discrepancies it now covers close): what an operator's change costs.
  {
    auto transaction = must(storage::Transaction::begin(database), "begin reevaluate");
    started = Clock::now();
    const auto unchanged = must(reconciler.reevaluate_all(now_ms), "reevaluate_all");
    report("reconcile_full_unchanged_s", seconds_since(started), "s");
    report("reconcile_full_unchanged_rejudged", static_cast<double>(unchanged.groups_rejudged), "groups");
    must(transaction.commit(), "commit reevaluate");
  }
  {
    auto transaction = must(storage::Transaction::begin(database), "begin policy");
    hub::reconcile::Policy policy = must(reconciler.policy(), "policy");
    policy.ambiguity_window_ms = 30'000;
    const hub::reconcile::Limits two_units{2, std::nullopt, std::nullopt};
    policy.tolerances.push_back({{}, two_units, two_units});
    must(reconciler.set_policy(policy, "bench", now_ms), "set_policy");
    started = Clock::now();
    const auto changed = must(reconciler.reevaluate_all(now_ms), "reevaluate_all");
    report("reconcile_full_s", seconds_since(started), "s");
    report("reconcile_full_rejudged", static_cast<double>(changed.groups_rejudged), "groups");
    must(transaction.commit(), "commit policy");
  }

  // Late events: a receipt dated 20 minutes before a position's count (outside the ambiguity
  // window), arriving now. It shifts the count's expected quantity by more than the tolerance,
  // so settle() opens a discrepancy and requests a recount. One transaction each, as a batch of
  // one; the commit (an fsync) is timed apart, since the hub shares one commit per batch.
  std::vector<double> incremental;
  std::vector<double> commits;
  std::shuffle(counted.begin(), counted.end(), random);
  const hub::Origin late_origin{std::string(kSite), "hh-late", "00000000000000e2"};
  for (std::size_t i = 0; i < late_events && i < counted.size(); ++i) {
    Event late;
    late.type = EventType::kReceive;
    late.wall_ms = counted[i].count_ms - kHourMs / 3;
    late.hlc = HlcStamp{static_cast<std::uint64_t>(stamp_of(late.wall_ms))};
    late.event_id = uuid_v7(late.wall_ms);
    late.user = "u-late";
    late.location = location_of(counted[i].position);
    late.sku = sku_of(counted[i].position);
    late.qty = 3 + static_cast<std::int64_t>(i % 5);
    late.reference = "PO-LATE-" + std::to_string(i);
    auto transaction = must(storage::Transaction::begin(database), "begin late");
    const auto start = Clock::now();
    must(reconciler.apply(late_origin, late, now_ms), "apply late");
    must(reconciler.settle(now_ms), "settle late");
    incremental.push_back(ms_since(start));
    const auto commit_start = Clock::now();
    must(transaction.commit(), "commit late");
    commits.push_back(ms_since(commit_start));
  }
  report("reconcile_incremental_events", static_cast<double>(incremental.size()), "events");
  report("reconcile_incremental_ms", quantile(incremental, 0.50), "ms");
  report_latencies(report, "reconcile_incremental", incremental);
  report_latencies(report, "reconcile_incremental_commit", commits);

  // The incremental path must agree with a full recomputation.
  {
    auto transaction = must(storage::Transaction::begin(database), "begin verify");
    const auto verified = must(reconciler.verify_projections(now_ms), "verify_projections");
    must(transaction.commit(), "commit verify");
    const std::size_t after = verified.positions_repaired + verified.groups_repaired;
    report("reconcile_verify_after_late_repaired", static_cast<double>(after), "rows");
    repaired += after;
  }

  report("reconcile_rss_mb", rss_mib(getpid()), "MiB");
  report("reconcile_peak_rss_mb", rss_mib(getpid(), "VmHWM"), "MiB");
  const auto bytes = file_size_or_zero(file) + file_size_or_zero(temp / "hub.db-wal");
  report("reconcile_db_mb", static_cast<double>(bytes) / (1024.0 * 1024.0), "MiB");
  if (repaired != 0) {
    std::cerr << "reconcile_bench: verify_projections repaired " << repaired
              << " rows: the loaded or incrementally kept projections were inconsistent\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("reconcile_bench", argc, argv, recount::bench::run); }
