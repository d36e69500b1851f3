// settle_and_commit over a real ledger: it applies what the projections have not, as far as its
// policy allows, and judges the counts due part way through a backlog only when asked to.
#include <doctest/doctest.h>

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

  std::size_t discrepancies() { return reconciler.discrepancies({}).value().size(); }
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

}  // namespace
}  // namespace recount::hub
