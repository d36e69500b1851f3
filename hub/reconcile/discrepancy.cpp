// Discrepancy lifecycle rules: names, the state graph, what recounts and policy lead to.
#include "hub/reconcile/discrepancy.hpp"

#include <utility>

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {

namespace {

constexpr NameTable<DiscrepancyState, 9> kStateNames{{
    {DiscrepancyState::kOpen, "open"},
    {DiscrepancyState::kRecountRequested, "recount_requested"},
    {DiscrepancyState::kRecounted, "recounted"},
    {DiscrepancyState::kConfirmed, "confirmed"},
    {DiscrepancyState::kAwaitingApproval, "awaiting_approval"},
    {DiscrepancyState::kAwaitingReview, "awaiting_review"},
    {DiscrepancyState::kAdjusted, "adjusted"},
    {DiscrepancyState::kClosed, "closed"},
    {DiscrepancyState::kAwaitingSystem, "awaiting_system"},
}};

constexpr NameTable<Classification, 3> kClassificationNames{{
    {Classification::kVariance, "variance"},
    {Classification::kUomError, "uom_error"},
    {Classification::kAmbiguous, "ambiguous"},
}};

constexpr NameTable<Resolution, 10> kResolutionNames{{
    {Resolution::kNone, "none"},
    {Resolution::kCountError, "count_error"},
    {Resolution::kCountCompleted, "count_completed"},
    {Resolution::kLateMovement, "late_movement"},
    {Resolution::kReevaluated, "reevaluated"},
    {Resolution::kAdjusted, "adjusted"},
    {Resolution::kApproved, "approved"},
    {Resolution::kWrittenOff, "written_off"},
    {Resolution::kRejected, "rejected"},
    {Resolution::kSystemAgrees, "system_agrees"},
}};

constexpr NameTable<OperatorAction, 4> kActionNames{{
    {OperatorAction::kApprove, "approve"},
    {OperatorAction::kReject, "reject"},
    {OperatorAction::kWriteOff, "write-off"},
    {OperatorAction::kCorrectSystem, "correct-system"},
}};

using State = DiscrepancyState;

// The lifecycle graph: every step a discrepancy may take.
constexpr std::pair<State, State> kSteps[] = {
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
    {State::kAwaitingReview, State::kAwaitingSystem},
    {State::kAwaitingSystem, State::kAwaitingReview},
    {State::kAwaitingSystem, State::kClosed},
};

}  // namespace

std::string_view to_string(DiscrepancyState state) { return name_in(kStateNames, state); }
std::string_view to_string(Classification classification) { return name_in(kClassificationNames, classification); }
std::string_view to_string(Resolution resolution) { return name_in(kResolutionNames, resolution); }
std::string_view to_string(OperatorAction action) { return name_in(kActionNames, action); }
std::optional<DiscrepancyState> parse_discrepancy_state(std::string_view text) { return value_in(kStateNames, text); }
std::optional<Classification> parse_classification(std::string_view text) {
  return value_in(kClassificationNames, text);
}
std::optional<Resolution> parse_resolution(std::string_view text) { return value_in(kResolutionNames, text); }
std::optional<OperatorAction> parse_operator_action(std::string_view text) { return value_in(kActionNames, text); }

std::optional<Classification> classify(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOutOfTolerance: return Classification::kVariance;
    case Verdict::kUomError: return Classification::kUomError;
    case Verdict::kAmbiguous: return Classification::kAmbiguous;
    case Verdict::kAccepted:
    case Verdict::kVoid: return std::nullopt;
  }
  return std::nullopt;
}

bool may_transition(DiscrepancyState from, DiscrepancyState to) {
  for (const auto& [step_from, step_to] : kSteps) {
    if (step_from == from && step_to == to) return true;
  }
  return false;
}

bool action_allowed(OperatorAction action, DiscrepancyState state) {
  switch (action) {
    case OperatorAction::kApprove: return state == State::kAwaitingApproval || state == State::kAwaitingReview;
    case OperatorAction::kReject:
    case OperatorAction::kWriteOff:
      return state == State::kRecountRequested || state == State::kAwaitingApproval || state == State::kAwaitingReview;
    case OperatorAction::kCorrectSystem: return state == State::kAwaitingReview;
  }
  return false;
}

RecountOutcome decide_recount(Verdict recount, bool agrees_with_previous, std::uint32_t round,
                              std::uint32_t max_rounds) {
  if (recount == Verdict::kAccepted) return RecountOutcome::kCountError;
  if (recount != Verdict::kAmbiguous && agrees_with_previous) return RecountOutcome::kConfirmed;
  return round < max_rounds ? RecountOutcome::kNextRound : RecountOutcome::kToOperator;
}

bool adjusts_automatically(Classification classification, std::int64_t value_cents, std::int64_t approval_limit_cents) {
  if (classification == Classification::kUomError) return false;
  return value_cents > -approval_limit_cents && value_cents < approval_limit_cents;
}

ReasonCode automatic_reason(std::int64_t variance) {
  return variance < 0 ? ReasonCode::kShrinkage : ReasonCode::kFound;
}

Resolution resolution_by(CauseKind cause) {
  switch (cause) {
    case CauseKind::kMovement: return Resolution::kLateMovement;
    case CauseKind::kCount:
    case CauseKind::kClose: return Resolution::kCountCompleted;
    case CauseKind::kReevaluation: return Resolution::kReevaluated;
    case CauseKind::kReport: return Resolution::kSystemAgrees;
  }
  return Resolution::kReevaluated;
}

}  // namespace recount::hub::reconcile
