// Reconciler::catch_up: stored events reach the projections in the order the ledger stored them,
// as many at a time as the caller allows; a reconciler opened afresh (a restarted hub) continues
// where the last one stopped; and settle() holds back the counts that events stored but not yet
// applied could still change.
#include <doctest/doctest.h>

#include <limits>

#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::kSite;
using testing::must;
using testing::ReconcileFixture;

constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

TEST_CASE_TEMPLATE(
    "catch_up applies stored events in order, at most `limit`, and a reopened reconciler goes on from there", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  std::vector<Event> batch;
  batch.reserve(10);
  for (int i = 0; i < 10; ++i) batch.push_back(fixture.make.receive("A-" + std::to_string(i), "SKU-A", 5, i));
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    fixture.store(batch);
    const auto first = must(fixture.reconciler.catch_up(fixture.events, 4));
    CHECK(first.applied == 4);
    CHECK_FALSE(first.complete);
    CHECK(first.received_through_ms == fixture.now_ms);
    must(transaction.commit());
  }
  CHECK(fixture.on_hand("A-3", "SKU-A") == 5);
  CHECK(fixture.on_hand("A-4", "SKU-A") == 0);

  // What a hub that stopped here finds when it starts again.
  Reconciler reopened = must(Reconciler::open(fixture.database, fixture.catalog));
  auto transaction = must(storage::Transaction::begin(fixture.database));
  const auto rest = must(reopened.catch_up(fixture.events, kAll));
  CHECK(rest.applied == 6);
  CHECK(rest.complete);
  const auto again = must(reopened.catch_up(fixture.events, kAll));
  CHECK(again.applied == 0);
  CHECK(again.complete);
  must(transaction.commit());
  for (int i = 0; i < 10; ++i) CHECK(fixture.on_hand("A-" + std::to_string(i), "SKU-A") == 5);
}

TEST_CASE_TEMPLATE("a catch_up that is rolled back is applied again by the next one", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    fixture.store({fixture.make.receive("A-1", "SKU-A", 7, 1)});
    must(transaction.commit());
  }
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    CHECK(must(fixture.reconciler.catch_up(fixture.events, kAll)).applied == 1);
  }  // rolled back
  CHECK(fixture.on_hand("A-1", "SKU-A") == 0);
  auto transaction = must(storage::Transaction::begin(fixture.database));
  CHECK(must(fixture.reconciler.catch_up(fixture.events, kAll)).applied == 1);
  must(transaction.commit());
  CHECK(fixture.on_hand("A-1", "SKU-A") == 7);
}

TEST_CASE_TEMPLATE(
    "settle judges only the counts due by the time of the newest event applied, until catch_up is complete", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"settle_delay_ms": 1000, "ambiguity_window_ms": 0})");
  const std::int64_t received_ms = fixture.now_ms;
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    // A count of 5 received at received_ms, and a receipt of 5 made before it but received 500 ms
    // later: without the receipt the count is 5 over.
    fixture.store({fixture.make.count("A-1", "SKU-A", 5, 20, "user-1")});
    fixture.now_ms = received_ms + 500;
    fixture.store({fixture.make.receive("A-1", "SKU-A", 5, 10)});
    fixture.now_ms = received_ms + 5000;  // the count's settle delay has long ended
    const auto caught = must(fixture.reconciler.catch_up(fixture.events, 1));
    CHECK_FALSE(caught.complete);
    CHECK(caught.received_through_ms == received_ms);
    // The hub had not received everything by the count's due time: it is not judged yet.
    CHECK(must(fixture.reconciler.settle(fixture.now_ms, caught.received_through_ms)).audit.empty());
    CHECK(fixture.discrepancies().empty());
    CHECK(fixture.counts("A-1", "SKU-A").front().verdict == std::nullopt);

    CHECK(must(fixture.reconciler.catch_up(fixture.events, kAll)).complete);
    must(fixture.reconciler.settle(fixture.now_ms));
    must(transaction.commit());
  }
  const auto groups = fixture.counts("A-1", "SKU-A");
  REQUIRE(groups.size() == 1);
  CHECK(groups.front().expected == 5);
  CHECK(groups.front().verdict == Verdict::kAccepted);
  CHECK(fixture.discrepancies().empty());
}

}  // namespace
}  // namespace recount::hub::reconcile
