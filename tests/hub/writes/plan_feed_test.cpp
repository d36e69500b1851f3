// The plan feed over a real ledger: the open planned counts of a site go into its task list with
// a new version, an evaluation that finds them unchanged changes nothing, and a count that
// satisfies one takes it off at the next evaluation.
#include "hub/writes/plan_feed.hpp"

#include <doctest/doctest.h>

#include "tests/hub/plan_fixtures.hpp"

namespace recount::hub {
namespace {

struct FeedFixture : testing::PlanHub {
  std::unique_ptr<PlanFeed> feed =
      PlanFeed::create(io, store.ledger, catalog, reconciler, tasks, testing::fixed_clock(), std::chrono::minutes(1))
          .value();

  std::uint64_t version() { return reconciler.task_list("site-1").value().version; }
};

}  // namespace

TEST_CASE("plan feed: the open planned counts go into the site's list with a new version, once") {
  FeedFixture hub;
  const std::uint64_t before = hub.version();
  CHECK(hub.feed->evaluate().value() == 1);
  const auto& planned = hub.tasks.planned("site-1");
  REQUIRE(planned.size() == 1);  // A-1 was counted this period; A-2 is overdue
  CHECK(planned[0].location == "A-2");
  CHECK(planned[0].sku == "SKU-2");
  CHECK(planned[0].kind == protocol::TaskKind::kPlanned);
  CHECK(hub.version() == before + 1);

  CHECK(hub.feed->evaluate().value() == 0);
  CHECK(hub.version() == before + 1);
}

TEST_CASE("plan feed: a count that satisfies a planned count takes it off the list at the next evaluation") {
  FeedFixture hub;
  REQUIRE(hub.feed->evaluate().value() == 1);
  REQUIRE(hub.tasks.planned("site-1").size() == 1);
  const std::uint64_t before = hub.version();

  Event count = testing::count_event(4);
  count.location = "A-2";
  count.sku = "SKU-2";
  count.qty = 10;
  testing::deliver(hub.store.ledger, hub.reconciler, {count});
  CHECK(hub.feed->evaluate().value() == 1);
  CHECK(hub.tasks.planned("site-1").empty());
  CHECK(hub.version() == before + 1);
}

}  // namespace recount::hub
