// Count plan evaluation (hub/reconcile/count_plan.hpp) at size, in a real SQLite file with the
// hub's tables: a site of P positions (SKU-<p % 500>, one location in five a pick face), a share
// of them counted at times spread over the last 60 days, several count groups each. Times the
// read of the site's positions with their latest count (PlanPositions::of_site) and the
// evaluation of two plans over them (evaluate_plans), the work behind each GET /api/v1/due and
// /api/v1/plans, beside SQLite alone scanning the site's positions.
//
// Usage: plan_bench [--positions 100000] [--counted-percent 50] [--groups 3] [--queries 5]
// Prints "name value unit" lines.
#include <iostream>

#include "bench/bench_support.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/count_plan.hpp"
#include "hub/reconcile/reconciler.hpp"

namespace recount::bench {
namespace {

using hub::reconcile::CatalogSnapshot;

constexpr std::string_view kSite = "site-1";
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kNowMs = 1'790'000'000'000;
constexpr std::size_t kSkus = 500;
constexpr std::size_t kPerTransaction = 10'000;

std::string code(const char* prefix, std::size_t number) { return prefix + std::to_string(number); }

void load(storage::Database& database, std::size_t positions, std::size_t counted_percent, std::size_t groups) {
  auto position_insert = must(database.prepare("INSERT INTO reconcile_positions (id, site, location, sku, lot,"
                                               " on_hand, movements) VALUES (?1, ?2, ?3, ?4, '', ?5, 1)"),
                              "prepare positions");
  auto group_insert = must(database.prepare("INSERT INTO reconcile_groups (position_id, task_id, session_key, counts,"
                                            " counted, first_hlc, last_hlc, first_user, expected, received_ms)"
                                            " VALUES (?1, '', ?2, 1, 5, ?3, ?3, 'u', 5, ?4)"),
                           "prepare groups");
  for (std::size_t p = 1; p <= positions; ++p) {
    if (p % kPerTransaction == 1) must(database.begin(), "begin");
    position_insert.bind(1, static_cast<std::int64_t>(p)).bind(2, kSite).bind(3, code("L-", p));
    position_insert.bind(4, code("SKU-", p % kSkus)).bind(5, static_cast<std::int64_t>(p % 40));
    must(position_insert.run(), "position");
    if (p % 100 < counted_percent) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::int64_t wall_ms = kNowMs - static_cast<std::int64_t>((p * 7 + g * 13) % 60) * kDayMs;
        group_insert.bind(1, static_cast<std::int64_t>(p)).bind(2, code("session-", g));
        group_insert.bind(3, HlcStamp::from_parts(wall_ms, 0)).bind(4, wall_ms);
        must(group_insert.run(), "group");
      }
    }
    if (p % kPerTransaction == 0 || p == positions) must(database.commit(), "commit");
  }
}

protocol::Catalog catalog_of(std::size_t positions) {
  protocol::Catalog catalog;
  catalog.site = std::string(kSite);
  catalog.version = 1;
  for (std::size_t s = 0; s < kSkus; ++s) {
    catalog.items.push_back(
        protocol::CatalogItem{code("SKU-", s), "item", static_cast<std::int64_t>(s * s + 1), "", {}});
  }
  for (std::size_t p = 1; p <= positions; ++p) {
    catalog.locations.push_back(protocol::CatalogLocation{code("L-", p), code("L-", p), p % 5 == 0 ? "pick" : "shelf"});
  }
  return catalog;
}

int run(const Args& args) {
  const auto positions = static_cast<std::size_t>(args.number("positions", 100'000));
  const auto counted_percent = static_cast<std::size_t>(args.number("counted-percent", 50));
  const auto groups = static_cast<std::size_t>(args.number("groups", 3));
  const auto queries = static_cast<std::size_t>(args.number("queries", 5));
  if (positions == 0 || counted_percent > 100 || groups == 0 || queries == 0) {
    std::cerr << "plan_bench: need --positions > 0, --counted-percent in 0..100, --groups > 0, --queries > 0\n";
    return 2;
  }
  testing::TempDir temp;
  auto ledger = must(hub::Ledger::open(temp / "hub.db", system_wall_clock()), "ledger");
  storage::Database& database = *ledger.sqlite();
  CatalogSnapshot catalog;
  catalog.put(catalog_of(positions));
  must(hub::reconcile::Reconciler::open(database, catalog), "reconcile schema");
  load(database, positions, counted_percent, groups);
  auto reader = must(hub::reconcile::PlanPositions::prepare(database, catalog), "plan positions");
  hub::reconcile::Policy policy = must(hub::reconcile::parse_policy(R"({"plans": [
        {"name": "a-monthly", "abc": ["A"], "every_days": 30, "owner": "lead", "start": "2026-01-01"},
        {"name": "pick-faces", "location_classes": ["pick"], "every_days": 7, "owner": "lead", "start": "2026-01-01"}]})"),
                                       "policy");
  std::vector<double> read_ms;
  std::vector<double> evaluate_ms;
  std::size_t due = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    auto start = Clock::now();
    const auto read = must(reader.of_site(std::string(kSite)), "of_site");
    read_ms.push_back(ms_since(start));
    start = Clock::now();
    due = hub::reconcile::evaluate_plans(policy, kSite, read, kNowMs).size();
    evaluate_ms.push_back(ms_since(start));
    if (read.size() != positions) {
      std::cerr << "plan_bench: read " << read.size() << " positions, not " << positions << "\n";
      return 1;
    }
  }
  auto raw = must(database.prepare("SELECT location, sku, lot, on_hand FROM reconcile_positions WHERE site = ?1"),
                  "prepare raw");
  raw.bind(1, kSite);
  const auto raw_start = Clock::now();
  std::size_t rows = 0;
  while (must(raw.step(), "raw step")) ++rows;
  const double raw_ms = ms_since(raw_start);
  raw.reset();
  const Reporter report{std::to_string(positions) + "positions", true};
  report("plan_site_positions", static_cast<double>(rows), "positions");
  report("plan_due_counts", static_cast<double>(due), "counts");
  report("plan_read_positions_ms", quantile(read_ms, 0.5), "ms");
  report("plan_evaluate_ms", quantile(evaluate_ms, 0.5), "ms");
  report("plan_request_ms", quantile(read_ms, 0.5) + quantile(evaluate_ms, 0.5), "ms");
  report("raw_sqlite_scan_positions_ms", raw_ms, "ms");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("plan_bench", argc, argv, recount::bench::run); }
