// The discrepancy lifecycle: which steps and operator actions each state allows, what a recount
// leads to, when an adjustment needs approval, and the records of discrepancies and transitions.
#include "hub/reconcile/discrepancy.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using State = DiscrepancyState;
using testing::must;

constexpr State kStates[] = {
    State::kOpen,           State::kRecountRequested, State::kRecounted, State::kConfirmed, State::kAwaitingApproval,
    State::kAwaitingReview, State::kAdjusted,         State::kClosed};

TEST_CASE("reconcile discrepancy: the lifecycle allows exactly the documented steps") {
  const std::pair<State, State> allowed[] = {
      {State::kOpen, State::kRecountRequested},
      {State::kOpen, State::kAwaitingReview},
      {State::kOpen, State::kClosed},
      {State::kRecountRequested, State::kRecounted},
      {State::kRecountRequested, State::kAdjusted},
      {State::kRecountRequested, State::kClosed},
      {State::kRecounted, State::kRecountRequested},
      {State::kRecounted, State::kConfirmed},
      {State::kRecounted, State::kAwaitingReview},
      {State::kRecounted, State::kClosed},
      {State::kConfirmed, State::kAdjusted},
      {State::kConfirmed, State::kAwaitingApproval},
      {State::kAwaitingApproval, State::kAdjusted},
      {State::kAwaitingApproval, State::kClosed},
      {State::kAwaitingReview, State::kAdjusted},
      {State::kAwaitingReview, State::kClosed},
      {State::kAdjusted, State::kClosed},
  };
  for (const State from : kStates) {
    for (const State to : kStates) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      const bool listed = std::find(std::begin(allowed), std::end(allowed), std::pair{from, to}) != std::end(allowed);
      CHECK(may_transition(from, to) == listed);
    }
  }
}

TEST_CASE("reconcile discrepancy: operators act only where a decision is theirs to make") {
  struct Case {
    OperatorAction action;
    std::vector<State> allowed;
  };
  const Case cases[] = {
      {OperatorAction::kApprove, {State::kAwaitingApproval, State::kAwaitingReview}},
      {OperatorAction::kReject, {State::kRecountRequested, State::kAwaitingApproval, State::kAwaitingReview}},
      {OperatorAction::kWriteOff, {State::kRecountRequested, State::kAwaitingApproval, State::kAwaitingReview}},
  };
  for (const Case& test : cases) {
    for (const State state : kStates) {
      CAPTURE(to_string(test.action));
      CAPTURE(to_string(state));
      const bool listed = std::find(test.allowed.begin(), test.allowed.end(), state) != test.allowed.end();
      CHECK(action_allowed(test.action, state) == listed);
    }
  }
}

TEST_CASE("reconcile discrepancy: a recount is a count error, a confirmation, another round or an operator's call") {
  struct Case {
    Verdict recount;
    bool agrees_with_previous;
    std::uint32_t round;
    RecountOutcome outcome;
  };
  const Case cases[] = {
      {Verdict::kAccepted, false, 1, RecountOutcome::kCountError},
      {Verdict::kAccepted, true, 2, RecountOutcome::kCountError},
      {Verdict::kOutOfTolerance, true, 1, RecountOutcome::kConfirmed},
      {Verdict::kUomError, true, 2, RecountOutcome::kConfirmed},
      {Verdict::kOutOfTolerance, false, 1, RecountOutcome::kNextRound},
      {Verdict::kOutOfTolerance, false, 2, RecountOutcome::kToOperator},
      {Verdict::kAmbiguous, true, 1, RecountOutcome::kNextRound},  // stock moved around the recount too
      {Verdict::kAmbiguous, true, 2, RecountOutcome::kToOperator},
  };
  for (const Case& test : cases) {
    CAPTURE(to_string(test.recount));
    CAPTURE(test.round);
    CHECK(decide_recount(test.recount, test.agrees_with_previous, test.round, 2) == test.outcome);
  }
}

TEST_CASE("reconcile discrepancy: only confirmed variances below the approval limit and not UoM errors adjust alone") {
  CHECK(adjusts_automatically(Classification::kVariance, -4999, 5000));
  CHECK(adjusts_automatically(Classification::kVariance, 4999, 5000));
  CHECK_FALSE(adjusts_automatically(Classification::kVariance, -5000, 5000));
  CHECK_FALSE(adjusts_automatically(Classification::kVariance, 5000, 5000));
  CHECK_FALSE(adjusts_automatically(Classification::kVariance, std::numeric_limits<std::int64_t>::min(), 5000));
  CHECK(adjusts_automatically(Classification::kAmbiguous, 100, 5000));
  CHECK_FALSE(adjusts_automatically(Classification::kUomError, 1, 5000));
  CHECK_FALSE(adjusts_automatically(Classification::kVariance, 0, 0));
  CHECK(automatic_reason(-1) == ReasonCode::kShrinkage);
  CHECK(automatic_reason(1) == ReasonCode::kFound);
  CHECK(resolution_by(CauseKind::kMovement) == Resolution::kLateMovement);
  CHECK(resolution_by(CauseKind::kCount) == Resolution::kCountCompleted);
  CHECK(resolution_by(CauseKind::kClose) == Resolution::kCountCompleted);
  CHECK(resolution_by(CauseKind::kReevaluation) == Resolution::kReevaluated);
  CHECK(classify(Verdict::kAccepted) == std::nullopt);
  CHECK(classify(Verdict::kVoid) == std::nullopt);
  CHECK(classify(Verdict::kUomError) == Classification::kUomError);
}

TEST_CASE("reconcile discrepancy: every state, classification, resolution and action name parses back") {
  for (const State state : kStates) CHECK(parse_discrepancy_state(to_string(state)) == state);
  for (const auto c : {Classification::kVariance, Classification::kUomError, Classification::kAmbiguous}) {
    CHECK(parse_classification(to_string(c)) == c);
  }
  for (const auto r : {Resolution::kNone, Resolution::kCountError, Resolution::kCountCompleted,
                       Resolution::kLateMovement, Resolution::kReevaluated, Resolution::kAdjusted,
                       Resolution::kApproved, Resolution::kWrittenOff, Resolution::kRejected}) {
    CHECK(parse_resolution(to_string(r)) == r);
  }
  for (const auto a : {OperatorAction::kApprove, OperatorAction::kReject, OperatorAction::kWriteOff}) {
    CHECK(parse_operator_action(to_string(a)) == a);
  }
  CHECK(to_string(OperatorAction::kWriteOff) == "write-off");
}

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
