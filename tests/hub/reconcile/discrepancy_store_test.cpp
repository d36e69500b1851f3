// DiscrepancyStore: the records of discrepancies and their transitions, listed and filtered.
#include "hub/reconcile/discrepancy_store.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <tuple>
#include <vector>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using State = DiscrepancyState;
using testing::must;

template <typename Backend>
struct StoreFixture {
  Backend backend;
  storage::Connection& database = [this]() -> storage::Connection& {
    storage::Connection& opened = testing::migrated(backend.connection());
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

TEST_CASE_TEMPLATE("reconcile discrepancy: a record keeps its figures, state and every transition with actor and cause",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
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

TEST_CASE_TEMPLATE("reconcile discrepancy: a position has one active discrepancy at a time", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
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

TEST_CASE_TEMPLATE("reconcile discrepancy: listings filter by site, active or closed, and state", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  StoreFixture<Backend> fixture;
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
  CHECK(ids({"s1", StateFilter::kActive, {}, 0, 10}) == std::vector<std::int64_t>{a});
  CHECK(ids({"", StateFilter::kClosed, {}, 0, 10}) == std::vector<std::int64_t>{b});
  CHECK(ids({"", StateFilter::kAll, {}, 0, 10}) == std::vector<std::int64_t>{a, b, c});
  CHECK(ids({"", StateFilter::kAll, {State::kAwaitingReview}, 0, 10}) == std::vector<std::int64_t>{c});
  CHECK(ids({"", StateFilter::kAll, {}, a, 1}) == std::vector<std::int64_t>{b});
  auto missing = fixture.store.get(99);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

// Five discrepancies at five positions of two sites, each opened and valued differently; the
// fourth adjusted for damage and closed, the fifth a UoM error awaiting approval.
template <typename Backend>
struct QueueFixture {
  Backend backend;
  storage::Connection& database = [this]() -> storage::Connection& {
    storage::Connection& opened = testing::migrated(backend.connection());
    must(
        opened.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES ('s1', 'A-1', 'SKU-A', ''),"
                       " ('s1', 'A-2', 'SKU-A', ''), ('s2', 'A-1', 'SKU-A', ''), ('s2', 'A-2', 'SKU-A', ''), ('s1', "
                       "'A-3', 'SKU-A', '')"));
    return opened;
  }();
  DiscrepancyStore store = must(DiscrepancyStore::prepare(database));
  std::vector<std::int64_t> ids;

  QueueFixture() {
    // position, site, value, opened_ms
    const std::tuple<std::int64_t, const char*, std::int64_t, std::int64_t> rows[] = {{1, "s1", -500, 4000},
                                                                                      {2, "s1", 900, 1000},
                                                                                      {3, "s2", -100, 3000},
                                                                                      {4, "s2", -2000, 2000},
                                                                                      {5, "s1", 300, 5000}};
    for (const auto& [position, site, value, opened_ms] : rows) {
      const auto classification = position == 5 ? Classification::kUomError : Classification::kVariance;
      ids.push_back(must(store.open(position, site, Figures{position, classification, 10, 7, -3, value}, "u1",
                                    opened_ms, Actor::system(), "", "")));
    }
    must(store.record_adjustment(ids[3], "adjust-1", -3, -2000, ReasonCode::kDamage));
    must(store.transition(ids[3], State::kRecountRequested, Resolution::kNone, 6000, Actor::system(), "", ""));
    must(store.transition(ids[3], State::kClosed, Resolution::kWrittenOff, 7000, Actor::system(), "", ""));
    for (const State step : {State::kRecountRequested, State::kRecounted, State::kConfirmed}) {
      must(store.transition(ids[4], step, Resolution::kNone, 6500, Actor::system(), "", ""));
    }
    must(store.transition(ids[4], State::kAwaitingApproval, Resolution::kNone, 6500, Actor::system(), "", ""));
  }

  std::vector<std::int64_t> listed(const DiscrepancyQuery& query) {
    std::vector<std::int64_t> found;
    for (const auto& d : must(store.list(query))) found.push_back(d.id);
    return found;
  }
  // ids[i] for each i.
  std::vector<std::int64_t> of(std::initializer_list<std::size_t> indexes) const {
    std::vector<std::int64_t> found;
    for (const std::size_t index : indexes) found.push_back(ids[index]);
    return found;
  }
};

DiscrepancyQuery all_states() {
  DiscrepancyQuery query;
  query.filter = StateFilter::kAll;
  return query;
}

TEST_CASE_TEMPLATE(
    "reconcile discrepancy: the queue sorts by opening, value, last change and site, either way, ties by id", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  QueueFixture<Backend> fixture;
  DiscrepancyQuery query = all_states();
  CHECK(fixture.listed(query) == fixture.of({1, 3, 2, 0, 4}));
  query.order = SortOrder::kDescending;
  CHECK(fixture.listed(query) == fixture.of({4, 0, 2, 3, 1}));
  query.sort = DiscrepancySort::kValue;  // absolute value
  CHECK(fixture.listed(query) == fixture.of({3, 1, 0, 4, 2}));
  query.order = SortOrder::kAscending;
  CHECK(fixture.listed(query) == fixture.of({2, 4, 0, 1, 3}));
  query.sort = DiscrepancySort::kUpdated;
  CHECK(fixture.listed(query) == fixture.of({1, 2, 0, 4, 3}));
  query.sort = DiscrepancySort::kSite;  // then by opening
  CHECK(fixture.listed(query) == fixture.of({1, 0, 4, 3, 2}));
  query.order = SortOrder::kDescending;
  CHECK(fixture.listed(query) == fixture.of({2, 3, 4, 0, 1}));
}

TEST_CASE_TEMPLATE("reconcile discrepancy: every filter narrows the queue and the count agrees with the listing",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  QueueFixture<Backend> fixture;
  const auto both = [&](const DiscrepancyQuery& query) {
    auto found = fixture.listed(query);
    CHECK(must(fixture.store.count(query)) == static_cast<std::int64_t>(found.size()));
    return found;
  };
  DiscrepancyQuery query;  // active only, by default
  CHECK(both(query) == fixture.of({1, 2, 0, 4}));
  query.filter = StateFilter::kClosed;
  CHECK(both(query) == fixture.of({3}));
  query = all_states();
  query.site = "s2";
  CHECK(both(query) == fixture.of({3, 2}));
  query = all_states();
  query.states = {State::kAwaitingApproval, State::kClosed};
  CHECK(both(query) == fixture.of({3, 4}));
  query = all_states();
  query.classification = Classification::kUomError;
  CHECK(both(query) == fixture.of({4}));
  query = all_states();
  query.reason = ReasonCode::kDamage;
  CHECK(both(query) == fixture.of({3}));
  query = all_states();
  query.min_value_cents = 300;  // absolute values 500, 900, 100, 2000, 300
  query.max_value_cents = 900;
  CHECK(both(query) == fixture.of({1, 0, 4}));
  query = all_states();
  query.opened_from_ms = 2000;
  query.opened_through_ms = 4000;
  CHECK(both(query) == fixture.of({3, 2, 0}));
  query.site = "s1";
  query.max_value_cents = 100;
  CHECK(both(query).empty());
}

TEST_CASE_TEMPLATE(
    "reconcile discrepancy: a page starts at its offset, holds at most its limit, and is empty past the end", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  QueueFixture<Backend> fixture;
  DiscrepancyQuery query = all_states();
  query.limit = 2;
  CHECK(fixture.listed(query) == fixture.of({1, 3}));
  query.offset = 2;
  CHECK(fixture.listed(query) == fixture.of({2, 0}));
  query.offset = 4;
  CHECK(fixture.listed(query) == fixture.of({4}));
  query.offset = 5;
  CHECK(fixture.listed(query).empty());
  CHECK(must(fixture.store.count(query)) == 5);  // the count ignores the page
  query.offset = 0;
  query.limit.reset();
  CHECK(fixture.listed(query).size() == 5);
}

}  // namespace
}  // namespace recount::hub::reconcile
