// settle_and_commit over a real ledger: it applies what the projections have not, as far as its
// policy allows, and judges the counts due part way through a backlog only when asked to.
#include <doctest/doctest.h>

#include "hub/reconcile/sqlite_queries.hpp"
#include "hub/writes/hub_writer.hpp"
#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::kFixedNowMs;

// A ledger holding a baseline of 10 and a count of 7 at A-1 (a shortage), then a receipt
// elsewhere, all stored and none applied: what ingest leaves when it defers.
struct Backlog {
  testing::LedgerFixture store;
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();

  Backlog() {
    IncomingBatch batch = testing::batch_of(testing::origin_of("device-1"), 1, 0);
    batch.events = testing::shortage_events();
    Event receipt = testing::count_event(3);
    receipt.type = EventType::kReceive;
    batch.events.push_back(receipt);
    batch.first_seq = 1;
    batch.last_seq = 3;
    auto write = store.ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(write->apply(batch).has_value());
    REQUIRE(write->commit().has_value());
  }

  Settled settle(CatchUpPolicy policy) {
    auto write = store.ledger.begin_write();
    REQUIRE(write.has_value());
    auto settled = settle_and_commit(*write, reconciler, {}, kFixedNowMs, policy);
    REQUIRE_MESSAGE(settled.has_value(), (settled ? "" : settled.error().describe()));
    return *settled;
  }

  std::size_t discrepancies() { return queries.discrepancies({}).value().size(); }

  // Whether reconciliation's mark is at the newest stored event.
  bool caught_up() {
    auto query = store.ledger.database().prepare(
        "SELECT (SELECT value FROM reconcile_meta WHERE name = 'applied_through') = (SELECT max(rowid) FROM events)");
    REQUIRE(query.has_value());
    REQUIRE(query->step().value());
    return query->column_int(0) == 1;
  }
};

TEST_CASE("part way through a backlog, a settled commit judges the counts due only when its policy says so") {
  Backlog backlog;
  // The baseline and the short count are applied; the third event is not.
  const Settled partial = backlog.settle({2, false});
  CHECK(partial.applied == 2);
  CHECK_FALSE(partial.caught_up);
  CHECK_FALSE(partial.judged);
  CHECK(backlog.discrepancies() == 0);

  const Settled rest = backlog.settle({});
  CHECK(rest.applied == 1);
  CHECK(rest.caught_up);
  CHECK(rest.judged);
  CHECK(backlog.discrepancies() == 1);
}

TEST_CASE("a settled commit asked to judge part way through a backlog judges what is due by then") {
  Backlog backlog;
  const Settled partial = backlog.settle({2, true});
  CHECK_FALSE(partial.caught_up);
  CHECK(partial.judged);
  CHECK(backlog.discrepancies() == 1);
  CHECK_FALSE(partial.task_sites.empty());
}

TEST_CASE("the adjustments a settled commit makes and stores leave reconciliation caught up") {
  Backlog backlog;
  REQUIRE(backlog.settle({}).caught_up);
  REQUIRE(backlog.discrepancies() == 1);
  // user-2 answers the blind recount task of discrepancy 1 and confirms the shortage, which is
  // worth less than the approval limit: the hub adjusts at once and stores the adjustment.
  IncomingBatch recount = testing::batch_of(testing::origin_of("device-2"), 1, 1, 2);
  recount.events.front().location = "A-1";
  recount.events.front().sku = "SKU-1";
  recount.events.front().qty = 7;
  recount.events.front().user = "user-2";
  recount.events.front().session.clear();
  recount.events.front().task_id = "rt-1-1";
  recount.events.front().hlc = HlcStamp::from_parts(kFixedNowMs, 0);
  {
    auto write = backlog.store.ledger.begin_write();
    REQUIRE(write->apply(recount).has_value());
    REQUIRE(write->commit().has_value());
  }
  CHECK(backlog.settle({}).caught_up);
  const auto adjustments = backlog.store.ledger.events().events({"hub", backlog.store.ledger.hub_epoch(), 0, 10});
  CHECK(adjustments.value().size() == 1);
  CHECK(backlog.caught_up());
}

}  // namespace
}  // namespace recount::hub
