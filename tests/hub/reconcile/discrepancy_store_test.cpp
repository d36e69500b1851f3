// DiscrepancyStore: the records of discrepancies and their transitions, listed and filtered.
#include "hub/reconcile/discrepancy_store.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using State = DiscrepancyState;
using testing::must;

struct StoreFixture {
  recount::testing::TempDir dir;
  storage::Database database = [this] {
    auto opened = testing::open_hub_database(dir / "hub.db");
    must(
        opened.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES"
                       " ('s1', 'A-1', 'SKU-A', ''), ('s1', 'A-2', 'SKU-A', ''), ('s2', 'A-1', 'SKU-A', '')"));
    return opened;
  }();
  DiscrepancyStore store = must(DiscrepancyStore::prepare(database));

  std::int64_t open(std::int64_t position, const std::string& site) {
    return must(store.open(position, site, Figures{position, Classification::kVariance, 10, 7, -3, -750}, "u1", 1000,
                           Actor{ActorKind::kUser, "u1"}, "counted 7", "event-1"));
  }
};

TEST_CASE("reconcile discrepancy: a record keeps its figures, state and every transition with actor and cause") {
  StoreFixture fixture;
  const std::int64_t id = fixture.open(1, "s1");
  must(fixture.store.transition(id, State::kRecountRequested, Resolution::kNone, 2000, Actor::system(), "recount asked",
                                ""));
  must(fixture.store.update_figures(id, Figures{1, Classification::kUomError, 10, 22, 12, 3000}, 2500));
  must(fixture.store.set_round(id, 1));
  must(fixture.store.transition(id, State::kClosed, Resolution::kLateMovement, 3000, Actor{ActorKind::kDevice, "pos-1"},
                                "a late sale", "event-9"));
  const Discrepancy d = must(fixture.store.get(id));
  CHECK(d.position == PositionKey{"s1", "A-1", "SKU-A", ""});
  CHECK(d.state == State::kClosed);
  CHECK(d.resolution == Resolution::kLateMovement);
  CHECK(d.classification == Classification::kUomError);
  CHECK(d.variance == 12);
  CHECK(d.round == 1);
  CHECK(d.opened_ms == 1000);
  CHECK(d.closed_ms == 3000);
  const auto transitions = must(fixture.store.transitions(id));
  REQUIRE(transitions.size() == 3);
  CHECK_FALSE(transitions[0].from.has_value());
  CHECK(transitions[0].actor == Actor{ActorKind::kUser, "u1"});
  CHECK(transitions[0].cause_event_id == "event-1");
  CHECK(transitions[2].from == State::kRecountRequested);
  CHECK(transitions[2].seq == 3);
  CHECK(transitions[2].actor == Actor{ActorKind::kDevice, "pos-1"});
  CHECK(transitions[2].cause == "a late sale");
}

TEST_CASE("reconcile discrepancy: a position has one active discrepancy at a time") {
  StoreFixture fixture;
  const std::int64_t first = fixture.open(1, "s1");
  auto second = fixture.store.open(1, "s1", Figures{}, "u2", 1500, Actor::system(), "again", "");
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::kConflict);
  CHECK(must(fixture.store.active_at(1)) == first);
  must(fixture.store.transition(first, State::kClosed, Resolution::kRejected, 2000, Actor::operator_named("op"), "no",
                                ""));
  CHECK_FALSE(must(fixture.store.active_at(1)).has_value());
  CHECK(fixture.open(1, "s1") > first);
}

TEST_CASE("reconcile discrepancy: listings filter by site, active or closed, and state") {
  StoreFixture fixture;
  const std::int64_t a = fixture.open(1, "s1");
  const std::int64_t b = fixture.open(2, "s1");
  const std::int64_t c = fixture.open(3, "s2");
  must(fixture.store.transition(b, State::kClosed, Resolution::kRejected, 2000, Actor::operator_named("op"), "no", ""));
  must(fixture.store.transition(c, State::kAwaitingReview, Resolution::kNone, 2000, Actor::system(), "", ""));
  auto ids = [&](DiscrepancyQuery query) {
    std::vector<std::int64_t> found;
    for (const auto& d : must(fixture.store.list(query))) found.push_back(d.id);
    return found;
  };
  CHECK(ids({}) == std::vector<std::int64_t>{a, c});
  CHECK(ids({"s1", StateFilter::kActive, std::nullopt, 0, 10}) == std::vector<std::int64_t>{a});
  CHECK(ids({"", StateFilter::kClosed, std::nullopt, 0, 10}) == std::vector<std::int64_t>{b});
  CHECK(ids({"", StateFilter::kAll, std::nullopt, 0, 10}) == std::vector<std::int64_t>{a, b, c});
  CHECK(ids({"", StateFilter::kAll, State::kAwaitingReview, 0, 10}) == std::vector<std::int64_t>{c});
  CHECK(ids({"", StateFilter::kAll, std::nullopt, a, 1}) == std::vector<std::int64_t>{b});
  auto missing = fixture.store.get(99);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace recount::hub::reconcile
