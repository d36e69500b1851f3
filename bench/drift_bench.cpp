// Drift origin queries (hub/investigate/drift.hpp) at size, in a real SQLite file with the hub's
// tables: one position with E events (movements with a count every 100, the last ones off), and
// a site of P positions with M movements in all, a share of them counted and one count in ten of
// those off. Beside each query, in the same run on the same file, SQLite alone reading the rows
// the query must read at least (the position's movements; every movement of the site), so the
// figures read as ratios to the machine's raw limit. Peak memory is read before and after the
// site query: the finder reads one position at a time, so it must not grow with M.
//
// Movements are bulk-loaded with prepared inserts, as reconcile_bench does; counts go through
// the reconciler's apply() and settle(), so count groups and their expected figures are the
// engine's own.
//
// Usage: drift_bench [--position-events 10000] [--positions 10000] [--movements 1000000]
//                    [--counted-percent 10] [--queries 5]
// Prints "name value unit" lines.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <random>

#include "bench/bench_support.hpp"
#include "hub/investigate/drift.hpp"
#include "hub/ledger/schema.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "shared/core/random_id.hpp"

namespace recount::bench {
namespace {

using hub::reconcile::CatalogSnapshot;
using hub::reconcile::Reconciler;

constexpr std::string_view kSite = "site-1";
constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::size_t kCountEvery = 100;  // movements between two counts of the long position
constexpr std::size_t kPositionsPerTransaction = 10'000;

std::int64_t stamp_of(std::int64_t wall_ms) { return wall_ms << 16; }

std::string code(const char* prefix, std::size_t number) { return prefix + std::to_string(number); }

// Writes positions 1..positions (location L-<p>, SKU-<p % 500>) with movements spread evenly, a
// baseline first and then receipts and sales a minute apart; returns each position's final balance.
std::vector<std::int64_t> load_movements(storage::Database& database, std::size_t first_id, std::size_t positions,
                                         std::size_t movements, std::int64_t start_ms, std::mt19937& random) {
  auto position_insert = must(database.prepare("INSERT INTO reconcile_positions (id, site, location, sku, lot,"
                                               " on_hand, movements) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)"),
                              "prepare positions");
  auto movement_insert = must(database.prepare("INSERT INTO reconcile_movements (position_id, hlc, event_id, type,"
                                               " qty, delta, physical, wall_ms, device, user, reason, reference)"
                                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', '')"),
                              "prepare movements");
  std::vector<std::int64_t> balances;
  for (std::size_t p = 0; p < positions; ++p) {
    if (p % kPositionsPerTransaction == 0) must(database.begin(), "begin");
    const std::size_t legs = movements / positions + (p < movements % positions ? 1 : 0);
    std::int64_t balance = 0;
    for (std::size_t k = 0; k < legs; ++k) {
      const std::int64_t wall_ms = start_ms + static_cast<std::int64_t>(k) * kMinuteMs;
      EventType type = k == 0 ? EventType::kBaseline : k % 2 ? EventType::kReceive : EventType::kSale;
      std::int64_t qty = k == 0 ? 50 : 1 + static_cast<std::int64_t>(random() % 6);
      if (type == EventType::kSale) qty = std::min(qty, balance);
      const std::int64_t delta = type == EventType::kSale ? -qty : qty;
      balance += delta;
      movement_insert.bind(1, static_cast<std::int64_t>(first_id + p))
          .bind(2, stamp_of(wall_ms))
          .bind(3, uuid_v7(wall_ms))
          .bind(4, to_string(type))
          .bind(5, qty)
          .bind(6, delta)
          .bind(7, std::int64_t{type != EventType::kBaseline})
          .bind(8, wall_ms)
          .bind(9, code("hh-", random() % 50))
          .bind(10, code("u-", random() % 200));
      must(movement_insert.run(), "insert movement");
    }
    must(position_insert.bind(1, static_cast<std::int64_t>(first_id + p))
             .bind(2, kSite)
             .bind(3, code("L-", first_id + p))
             .bind(4, code("SKU-", (first_id + p) % 500))
             .bind(5, balance)
             .bind(6, static_cast<std::int64_t>(legs))
             .run(),
         "insert position");
    balances.push_back(balance);
    if ((p + 1) % kPositionsPerTransaction == 0 || p + 1 == positions) must(database.commit(), "commit");
  }
  return balances;
}

// A count of position `id` at `wall_ms`, `off` units from what the ledger holds then.
void count(Reconciler& reconciler, storage::Database& database, std::size_t id, std::int64_t wall_ms,
           std::int64_t counted, std::int64_t now_ms) {
  Event event;
  event.type = EventType::kCount;
  event.wall_ms = wall_ms;
  event.hlc = HlcStamp{static_cast<std::uint64_t>(stamp_of(wall_ms))};
  event.event_id = uuid_v7(wall_ms);
  event.user = "counter";
  event.location = code("L-", id);
  event.sku = code("SKU-", id % 500);
  event.qty = counted;
  event.session = event.event_id;
  auto transaction = must(storage::Transaction::begin(database), "begin count");
  must(reconciler.apply(hub::Origin{std::string(kSite), "hh-count", "00000000000000e1"}, event, now_ms), "apply count");
  must(reconciler.settle(now_ms), "settle count");
  must(transaction.commit(), "commit count");
}

// The balance of position `id` as of `wall_ms` (movements at it included).
std::int64_t balance_at(storage::Database& database, std::size_t id, std::int64_t wall_ms) {
  auto query = must(database.prepare("SELECT coalesce(sum(delta), 0) FROM reconcile_movements"
                                     " WHERE position_id = ?1 AND hlc <= ?2"),
                    "prepare balance");
  query.bind(1, static_cast<std::int64_t>(id)).bind(2, stamp_of(wall_ms));
  must(query.step(), "balance");
  return query.column_int(0);
}

int run(const Args& args) {
  const auto position_events = static_cast<std::size_t>(args.number("position-events", 10'000));
  const auto positions = static_cast<std::size_t>(args.number("positions", 10'000));
  const auto movements = static_cast<std::size_t>(args.number("movements", 1'000'000));
  const auto counted_percent = static_cast<std::size_t>(args.number("counted-percent", 10));
  const auto queries = static_cast<std::size_t>(args.number("queries", 5));
  if (position_events < 2 * kCountEvery || positions == 0 || movements < 2 * positions || counted_percent == 0 ||
      counted_percent > 100 || queries == 0) {
    std::cerr << "drift_bench: need --position-events >= 200, --movements >= 2 x --positions > 0,"
                 " --counted-percent in 1..100, --queries > 0\n";
    return 2;
  }
  testing::TempDir temp;
  auto database =
      must(storage::Database::open(temp / "hub.db", storage::OpenMode::kCreateIfMissing, storage::Durability::kFull),
           "open");
  must(hub::migrate(database), "ledger schema");
  const CatalogSnapshot catalog;
  auto reconciler = must(Reconciler::open(database, catalog), "reconciler");
  auto finder = must(hub::investigate::DriftFinder::prepare(database, catalog), "drift finder");
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::mt19937 random(18);

  // One long position (id 1): a count after every kCountEvery movements, agreeing until the last
  // three, which find two units more: the origin is the third from last.
  const std::int64_t long_start_ms = now_ms - static_cast<std::int64_t>(position_events + 10) * kMinuteMs;
  load_movements(database, 1, 1, position_events, long_start_ms, random);
  const std::size_t counts = position_events / kCountEvery;
  for (std::size_t c = 1; c <= counts; ++c) {
    const std::int64_t at_ms = long_start_ms + static_cast<std::int64_t>(c * kCountEvery) * kMinuteMs - kMinuteMs / 2;
    count(reconciler, database, 1, at_ms, balance_at(database, 1, at_ms) + (c + 3 > counts ? 2 : 0), now_ms);
  }
  hub::investigate::DriftSettings settings;
  settings.now_ms = now_ms;
  const hub::investigate::DriftQuery position_query{
      hub::investigate::DriftScope::kPosition, {std::string(kSite), "L-1", "SKU-1", ""}, 50};
  std::vector<double> position_ms;
  hub::investigate::DriftReport found;
  for (std::size_t q = 0; q < queries; ++q) {
    const auto start = Clock::now();
    found = must(finder.find(position_query, settings), "position drift");
    position_ms.push_back(ms_since(start));
  }
  if (found.drifts.size() != 1 || found.drifts[0].diverged_observations != 3) {
    std::cerr << "drift_bench: the long position's origin was not found three counts back\n";
    return 1;
  }
  const double raw_position_ms =
      1000 * raw_scan(database,
                      "SELECT hlc, qty, delta, wall_ms FROM reconcile_movements WHERE position_id = 1 ORDER BY hlc", 4)
                 .seconds;
  const Reporter position{"events=" + std::to_string(position_events), false};
  position("drift_position_ms", quantile(position_ms, 0.5), "ms");
  position("raw_sqlite_position_movements_ms", raw_position_ms, "ms");
  position("drift_position_vs_raw", quantile(position_ms, 0.5) / raw_position_ms, "x");

  // The site: positions 2.., counted_percent of them counted near their end, one in ten off.
  const std::int64_t site_start_ms = now_ms - static_cast<std::int64_t>(movements / positions + 10) * kMinuteMs;
  auto started = Clock::now();
  load_movements(database, 2, positions, movements, site_start_ms, random);
  const Reporter site{"positions=" + std::to_string(positions) + ",movements=" + std::to_string(movements), false};
  site("drift_load_movements_per_s", static_cast<double>(movements) / seconds_since(started), "rows/s");
  std::size_t drifting = 0;
  const std::size_t stride = 100 / counted_percent;
  for (std::size_t p = 0; p < positions; p += stride) {
    const std::int64_t at_ms = site_start_ms + static_cast<std::int64_t>(movements / positions / 2) * kMinuteMs;
    const bool off = (p / stride) % 10 == 0;
    drifting += off ? 1 : 0;
    count(reconciler, database, p + 2, at_ms, balance_at(database, p + 2, at_ms) + (off ? 1 : 0), now_ms);
  }
  const hub::investigate::DriftQuery site_query{
      hub::investigate::DriftScope::kSite, {std::string(kSite), "", "", ""}, 50};
  const double rss_before = rss_mib(getpid(), "VmHWM");
  std::vector<double> site_ms;
  for (std::size_t q = 0; q < queries; ++q) {
    const auto start = Clock::now();
    found = must(finder.find(site_query, settings), "site drift");
    site_ms.push_back(ms_since(start));
  }
  const double rss_after = rss_mib(getpid(), "VmHWM");
  // The long position drifts too.
  if (static_cast<std::size_t>(found.positions_drifting) != drifting + 1) {
    std::cerr << "drift_bench: the site query found " << found.positions_drifting << " drifting positions, not "
              << drifting + 1 << "\n";
    return 1;
  }
  const double raw_site_ms =
      1000 * raw_scan(database,
                      "SELECT position_id, hlc, delta, physical FROM reconcile_movements ORDER BY position_id, hlc", 4)
                 .seconds;
  site("drift_site_positions_drifting", static_cast<double>(found.positions_drifting), "positions");
  site("drift_site_ms", quantile(site_ms, 0.5), "ms");
  site("raw_sqlite_scan_movements_ms", raw_site_ms, "ms");
  site("drift_site_vs_raw", quantile(site_ms, 0.5) / raw_site_ms, "x");
  site("drift_site_peak_rss_growth_mb", rss_after - rss_before, "MiB");
  site("drift_peak_rss_mb", rss_after, "MiB");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("drift_bench", argc, argv, recount::bench::run); }
