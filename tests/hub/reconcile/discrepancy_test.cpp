// The discrepancy lifecycle: which steps and operator actions each state allows, what a recount
// leads to, and when an adjustment needs approval.
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

}  // namespace
}  // namespace recount::hub::reconcile
