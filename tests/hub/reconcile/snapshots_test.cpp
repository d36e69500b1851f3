// Connected systems' snapshots in the reconciliation engine: judged against the ledger as of
// their time, re-judged by late movements, per-system tolerances, one discrepancy per system,
// and the decisions on them (correct-system, approve, the read-only FBA).
#include "hub/reconcile/snapshots.hpp"

#include <doctest/doctest.h>

#include <limits>

#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::kSite;
using testing::must;
using testing::ReconcileFixture;

constexpr std::string_view kNoRecounts =
    R"({"ambiguity_window_ms": 60000, "max_recount_rounds": 0, "approval_limit_cents": 0})";

template <typename Backend>
std::vector<Discrepancy> of_system(ReconcileFixture<Backend>& fixture, const std::string& system) {
  DiscrepancyQuery query{"", StateFilter::kAll, {}, 0, 1000};
  query.system = system;
  return must(fixture.queries.discrepancies(query));
}

template <typename Backend>
Result<Effects> try_resolve(ReconcileFixture<Backend>& fixture, std::int64_t id, OperatorAction action) {
  auto transaction = must(storage::Transaction::begin(fixture.database));
  auto effects = fixture.reconciler.resolve(id, action, ReasonCode::kDataEntryError, "op-1", fixture.now_ms);
  if (effects) must(transaction.commit());
  return effects;
}

TEST_CASE_TEMPLATE("snapshots: a report is compared with the ledger as of its time, not now", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver(
      {m.baseline("A-1", "SKU-A", 10, 0), m.baseline("A-2", "SKU-A", 5, 0), m.sale("A-1", "SKU-A", 3, 200)});
  // As of 100 s the site held 15; the sale came after.
  fixture.deliver({m.snapshot("shopify", "", "SKU-A", 15, 100)}, "hub");
  CHECK(of_system(fixture, "shopify").empty());
  // As of 300 s it held 12: a report of 15 then is 3 over.
  fixture.deliver({m.snapshot("shopify", "", "SKU-A", 15, 300)}, "hub");
  const auto found = of_system(fixture, "shopify");
  REQUIRE(found.size() == 1);
  CHECK(found[0].system == "shopify");
  CHECK(found[0].position.location.empty());
  CHECK(found[0].position.sku == "SKU-A");
  CHECK(found[0].expected == 12);
  CHECK(found[0].counted == 15);
  CHECK(found[0].variance == 3);
  CHECK(found[0].value_cents == 750);
  CHECK(found[0].state == DiscrepancyState::kAwaitingReview);
  CHECK(found[0].snapshot_id.has_value());
  // No blind recount: the floor is not the side in question.
  CHECK(fixture.tasks().tasks.empty());
}

TEST_CASE_TEMPLATE("snapshots: a report of more SKUs than a page is judged whole in its commit", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  constexpr int kSkus = 1'100;  // over two of the reconciler's pages of 512
  std::vector<Event> report;
  report.reserve(kSkus);
  for (int i = 0; i < kSkus; ++i)
    report.push_back(fixture.make.snapshot("shopify", "", "S-" + std::to_string(i), 4, 100));
  fixture.deliver(report, "hub");
  CHECK(must(fixture.reconciler.next_due_ms()) == std::nullopt);
  DiscrepancyQuery query{"", StateFilter::kAll, {}, 0, 1};
  query.system = "shopify";
  CHECK(must(fixture.queries.discrepancy_count(query)) == kSkus);
}

TEST_CASE_TEMPLATE("snapshots: a report of one location is compared with that location only", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.baseline("A-2", "SKU-A", 5, 0)});
  fixture.deliver({m.snapshot("shopify", "A-2", "SKU-A", 5, 100)}, "hub");
  CHECK(of_system(fixture, "shopify").empty());
  fixture.deliver({m.snapshot("shopify", "A-1", "SKU-A", 9, 100)}, "hub");
  const auto found = of_system(fixture, "shopify");
  REQUIRE(found.size() == 1);
  CHECK(found[0].position.location == "A-1");
  CHECK(found[0].expected == 10);
}

TEST_CASE_TEMPLATE("snapshots: the same SKU can be right in the warehouse and wrong on Shopify", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.count("A-1", "SKU-A", 10, 100, "u1")});
  fixture.deliver({m.snapshot("shopify", "", "SKU-A", 8, 100), m.snapshot("fba", "", "SKU-A", 10, 100)}, "hub");
  const auto all = fixture.discrepancies();
  REQUIRE(all.size() == 1);
  CHECK(all[0].system == "shopify");
  CHECK(all[0].variance == -2);
  CHECK(of_system(fixture, "warehouse").empty());
}

// 10 of SKU-A at A-1 in the ledger, 7 in Shopify's report at 100 s: one discrepancy, whose id this is.
template <typename Backend>
std::int64_t shopify_three_short(ReconcileFixture<Backend>& fixture) {
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0)});
  fixture.deliver({fixture.make.snapshot("shopify", "", "SKU-A", 7, 100)}, "hub");
  const auto found = of_system(fixture, "shopify");
  REQUIRE(found.size() == 1);
  return found[0].id;
}

TEST_CASE_TEMPLATE("snapshots: a late movement before a report re-judges it, opening or closing its discrepancy",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  shopify_three_short(fixture);
  // A sale of 3 at 50 s arrives late from the register: Shopify was right.
  fixture.deliver({m.sale("A-1", "SKU-A", 3, 50)}, "pos-1");
  auto found = of_system(fixture, "shopify");
  REQUIRE(found.size() == 1);
  CHECK(found[0].state == DiscrepancyState::kClosed);
  CHECK(found[0].resolution == Resolution::kLateMovement);
  CHECK(found[0].expected == 7);
  // A receipt after the report leaves it alone; one before it opens a new discrepancy.
  fixture.deliver({m.receive("A-1", "SKU-A", 4, 150)}, "hh-2");
  CHECK(of_system(fixture, "shopify").size() == 1);
  fixture.deliver({m.receive("A-1", "SKU-A", 4, 60)}, "hh-2");
  found = of_system(fixture, "shopify");
  REQUIRE(found.size() == 2);
  CHECK(found[1].state == DiscrepancyState::kAwaitingReview);
  CHECK(found[1].expected == 11);
  CHECK(found[1].variance == -4);
}

TEST_CASE_TEMPLATE("snapshots: a system's discrepancy with new figures is reported as a change, the same ones are not",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  const std::int64_t id = shopify_three_short(fixture);
  // A late sale of 1 before the report: the ledger held 9 then, Shopify's 7 is still 2 short.
  auto effects = fixture.deliver({m.sale("A-1", "SKU-A", 1, 50)}, "pos-1");
  CHECK(effects.discrepancies == std::vector<std::int64_t>{id});
  auto found = fixture.discrepancy(id);
  CHECK(std::tuple(found.expected, found.counted, found.variance) == std::tuple(9, 7, -2));
  CHECK(found.state == DiscrepancyState::kAwaitingReview);
  // Shopify's next report says the same: a new report, still disagreeing.
  effects = fixture.deliver({m.snapshot("shopify", "", "SKU-A", 7, 120)}, "hub");
  CHECK(effects.discrepancies == std::vector<std::int64_t>{id});
  // A sale after the report changes nothing it was judged on.
  const std::int64_t updated_ms = fixture.discrepancy(id).updated_ms;
  fixture.now_ms += 1000;
  effects = fixture.deliver({m.sale("A-1", "SKU-A", 1, 200)}, "pos-1");
  CHECK(effects.discrepancies.empty());
  CHECK(fixture.discrepancy(id).updated_ms == updated_ms);
}

TEST_CASE_TEMPLATE("snapshots: each system is judged with its own tolerance", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"tolerances": [{"scope": {"system": "fba"}, "shortage": {"units": 2}, "overage": {}}]})");
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0)});
  fixture.deliver({m.snapshot("fba", "", "SKU-A", 8, 100), m.snapshot("shopify", "", "SKU-A", 8, 100)}, "hub");
  CHECK(of_system(fixture, "fba").empty());
  CHECK(of_system(fixture, "shopify").size() == 1);
  fixture.deliver({m.snapshot("fba", "", "SKU-A", 7, 200)}, "hub");
  CHECK(of_system(fixture, "fba").size() == 1);
}

TEST_CASE_TEMPLATE("snapshots: the same snapshot applied twice is stored and judged once", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0)});
  const Event report = m.snapshot("shopify", "", "SKU-A", 7, 100);
  fixture.deliver({report}, "hub");
  auto transaction = must(storage::Transaction::begin(fixture.database));
  auto snapshots = must(SnapshotStore::prepare(fixture.database));
  CHECK_FALSE(must(snapshots.record(std::string(kSite), report, fixture.now_ms, fixture.now_ms,
                                    Cause{CauseKind::kReport, report.event_id, Actor::system()})));
  CHECK(must(snapshots.find(report.event_id))->reported == 7);
  CHECK(must(snapshots.find(report.event_id))->expected == 10);
}

TEST_CASE_TEMPLATE(
    "snapshots: correct-system tells Shopify the ledger's quantity once, its next report closes or reopens", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0)});
  const Event report = m.snapshot("shopify", "", "SKU-A", 7, 100);
  fixture.deliver({report}, "hub");
  const std::int64_t id = of_system(fixture, "shopify").at(0).id;
  const Effects effects = fixture.resolve(id, OperatorAction::kCorrectSystem);
  REQUIRE(effects.corrections.size() == 1);
  CHECK(effects.corrections[0] ==
        Correction{"shopify", std::string(kSite), "", "SKU-A", 10, 7, id, report.event_id, "correct-system"});
  CHECK(effects.adjustments.empty());
  CHECK(fixture.discrepancy(id).state == DiscrepancyState::kAwaitingSystem);
  // Deciding again is refused: it waits for Shopify.
  CHECK(try_resolve(fixture, id, OperatorAction::kCorrectSystem).error().code == ErrorCode::kConflict);

  SUBCASE("a next report that agrees closes it") {
    fixture.deliver({m.snapshot("shopify", "", "SKU-A", 10, 200)}, "hub");
    CHECK(fixture.discrepancy(id).state == DiscrepancyState::kClosed);
    CHECK(fixture.discrepancy(id).resolution == Resolution::kSystemAgrees);
  }
  SUBCASE("a next report that still disagrees sends it back to an operator") {
    fixture.deliver({m.snapshot("shopify", "", "SKU-A", 7, 200)}, "hub");
    CHECK(fixture.discrepancy(id).state == DiscrepancyState::kAwaitingReview);
    CHECK(of_system(fixture, "shopify").size() == 1);
  }
}

TEST_CASE_TEMPLATE("snapshots: correct-system is refused for FBA, read-only, and for the warehouse's own discrepancy",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kNoRecounts);
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.count("A-1", "SKU-A", 9, 50, "u1")});
  fixture.deliver({m.snapshot("fba", "", "SKU-A", 12, 100)}, "hub");
  const auto fba = of_system(fixture, "fba");
  REQUIRE(fba.size() == 1);
  const auto refused = try_resolve(fixture, fba[0].id, OperatorAction::kCorrectSystem);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(refused.error().message.rfind("FBA is read-only: ", 0) == 0);
  CHECK(refused.error().message.find("investigate") != std::string::npos);
  CHECK(fixture.discrepancy(fba[0].id).state == DiscrepancyState::kAwaitingReview);
  const auto warehouse = of_system(fixture, "warehouse");
  REQUIRE(warehouse.size() == 1);
  CHECK(try_resolve(fixture, warehouse[0].id, OperatorAction::kCorrectSystem).error().code == ErrorCode::kConflict);
}

TEST_CASE_TEMPLATE(
    "snapshots: approving a system's figure adjusts the ledger as of its report and tells the other systems", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kNoRecounts);
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.baseline("A-2", "SKU-A", 2, 0)});
  fixture.deliver({m.snapshot("shopify", "", "SKU-A", 12, 100), m.snapshot("fba", "", "SKU-A", 9, 100)}, "hub");
  const auto fba = of_system(fixture, "fba");
  REQUIRE(fba.size() == 1);
  const Effects effects = fixture.resolve(fba[0].id, OperatorAction::kApprove);
  REQUIRE(effects.adjustments.size() == 1);
  const Event& adjustment = effects.adjustments[0].event;
  CHECK(adjustment.location == "A-1");  // held most of the SKU at the report's time
  CHECK(adjustment.qty == -3);
  CHECK(adjustment.hlc == m.snapshot("fba", "", "SKU-A", 0, 100).hlc);
  CHECK(fixture.on_hand("A-1", "SKU-A") == 7);
  CHECK(fixture.discrepancy(fba[0].id).resolution == Resolution::kApproved);
  // Shopify, adjustable, is told the new quantity; FBA, whose figure it was, is not.
  REQUIRE(effects.corrections.size() == 1);
  CHECK(effects.corrections[0].system == "shopify");
  CHECK(effects.corrections[0].quantity == 9);
  CHECK(effects.corrections[0].cause == "approved");
  // The adjustment as of the report made Shopify's report of 12 wrong.
  CHECK(of_system(fixture, "shopify").size() == 1);
}

TEST_CASE_TEMPLATE("snapshots: a warehouse adjustment tells the site's adjustable systems", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kNoRecounts);
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0)});
  fixture.deliver({m.snapshot("shopify", "", "SKU-A", 10, 50)}, "hub");
  fixture.deliver({m.count("A-1", "SKU-A", 6, 100, "u1")});
  const auto warehouse = of_system(fixture, "warehouse");
  REQUIRE(warehouse.size() == 1);
  const Effects effects = fixture.resolve(warehouse[0].id, OperatorAction::kApprove);
  REQUIRE(effects.adjustments.size() == 1);
  REQUIRE(effects.corrections.size() == 1);
  CHECK(effects.corrections[0].system == "shopify");
  CHECK(effects.corrections[0].quantity == 6);
  CHECK(effects.corrections[0].reported == 10);
}

TEST_CASE_TEMPLATE("snapshots: a system's summary counts the SKUs per location it reported and its open discrepancies",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.deliver(
      {m.baseline("A-1", "SKU-A", 10, 0), m.baseline("A-2", "SKU-A", 5, 0), m.baseline("A-1", "SKU-B", 2, 0)});
  const Event newest = m.snapshot("shopify", "A-1", "SKU-A", 9, 200);
  fixture.deliver(
      {m.snapshot("shopify", "A-1", "SKU-A", 10, 100), newest, m.snapshot("shopify", "A-2", "SKU-A", 5, 100),
       m.snapshot("shopify", "A-1", "SKU-B", 2, 100), m.snapshot("fba", "", "SKU-A", 15, 100)},
      "hub");
  std::int64_t shopify_open = 0;
  for (const Discrepancy& d : of_system(fixture, "shopify")) shopify_open += d.closed_ms ? 0 : 1;
  REQUIRE(shopify_open == 1);  // 9 reported where the ledger holds 10

  const auto summaries = must(fixture.queries.systems(""));
  REQUIRE(summaries.size() == 2);
  CHECK(summaries[0].system == "fba");
  CHECK(summaries[0].skus == 1);
  CHECK(summaries[0].open_discrepancies == 0);
  CHECK(summaries[1].system == "shopify");
  CHECK(summaries[1].site == testing::kSite);
  CHECK(summaries[1].skus == 3);
  CHECK(summaries[1].open_discrepancies == 1);
  CHECK(summaries[1].last_as_of_ms == newest.wall_ms);
  CHECK(must(fixture.queries.systems("s9")).empty());
}

}  // namespace
}  // namespace recount::hub::reconcile
