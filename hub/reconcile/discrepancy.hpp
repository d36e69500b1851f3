// The discrepancy lifecycle (DESIGN §6): open → recount requested → recounted → closed as a
// count error, or confirmed → adjusted (at once below the approval limit, else after an
// operator's approval) → closed; operators approve, reject or write off; a late movement or the
// rest of a count can close it by itself. The rules are pure functions here, with the records
// they speak of; DiscrepancyStore (discrepancy_store.hpp) keeps the records and every transition
// with its time, actor and cause.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/actor.hpp"
#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::reconcile {

enum class DiscrepancyState {
  kOpen,
  kRecountRequested,  // a blind recount task is out
  kRecounted,         // the recount came back; the hub decides next
  kConfirmed,         // the recount agreed with the count, not with the ledger
  kAwaitingApproval,  // confirmed, worth at least the approval limit (or a UoM error)
  kAwaitingReview,    // recounts kept disagreeing past the last round: an operator decides
  kAdjusted,          // the adjust event is made
  kClosed,
  // A connected system's discrepancy an operator decided the system is wrong about: a correction
  // is on its way to it (or, for FBA, a claim with Amazon is open); the system's next report
  // that agrees closes it, one that does not sends it back to review (docs/channels.md).
  kAwaitingSystem,
};

// Why a discrepancy exists, from the verdict of the count that drives it now.
enum class Classification { kVariance, kUomError, kAmbiguous };

// How a closed discrepancy ended.
enum class Resolution {
  kNone,            // still active
  kCountError,      // a recount agreed with the ledger: the first count was wrong
  kCountCompleted,  // later scans of the same count session made up the difference
  kLateMovement,    // a movement that arrived late explains the variance
  kReevaluated,     // a full re-evaluation found the count within tolerance
  kAdjusted,        // confirmed and adjusted automatically, below the approval limit
  kApproved,        // an operator approved the adjustment
  kWrittenOff,      // an operator adjusted the ledger to the count without waiting
  kRejected,        // an operator closed it without adjusting
  kSystemAgrees,    // a connected system's later report agrees with the ledger
};

// correct-system: the ledger is right and the connected system is told (docs/channels.md).
enum class OperatorAction { kApprove, kReject, kWriteOff, kCorrectSystem };

std::string_view to_string(DiscrepancyState state);
std::string_view to_string(Classification classification);
std::string_view to_string(Resolution resolution);
std::string_view to_string(OperatorAction action);
std::optional<DiscrepancyState> parse_discrepancy_state(std::string_view text);
std::optional<Classification> parse_classification(std::string_view text);
std::optional<Resolution> parse_resolution(std::string_view text);
std::optional<OperatorAction> parse_operator_action(std::string_view text);

// The classification of a verdict that opens or drives a discrepancy; nullopt for verdicts that
// do not (accepted, void).
std::optional<Classification> classify(Verdict verdict);

// Whether the lifecycle allows a step from `from` to `to`. The store aborts on any other step:
// taking one is a programming error.
bool may_transition(DiscrepancyState from, DiscrepancyState to);

// Whether an operator may take `action` in `state` (otherwise the API answers kConflict).
bool action_allowed(OperatorAction action, DiscrepancyState state);

// What a recount leads to.
enum class RecountOutcome {
  kCountError,  // the recount is within tolerance of the ledger
  kConfirmed,   // outside tolerance, and within tolerance of the count before it
  kNextRound,   // inconclusive (disagrees with both, or stock moved around it), rounds remain
  kToOperator,  // inconclusive and the last round is spent
};
RecountOutcome decide_recount(Verdict recount, bool agrees_with_previous, std::uint32_t round,
                              std::uint32_t max_rounds);

// Whether a confirmed variance may be adjusted without an operator: worth less than the
// approval limit and not a unit-of-measure error (those are never written off automatically).
bool adjusts_automatically(Classification classification, std::int64_t value_cents, std::int64_t approval_limit_cents);

// The reason code of an automatic adjustment: the cause is unknown, so a shortage is
// shrinkage and an overage is found stock.
ReasonCode automatic_reason(std::int64_t variance);

// How a discrepancy that became acceptable by itself ends, by what changed its count.
Resolution resolution_by(CauseKind cause);

// The system whose figure a discrepancy is about: the ledger's own counts.
inline constexpr std::string_view kWarehouseSystem = "warehouse";

struct Discrepancy {
  std::int64_t id = 0;
  std::string system{kWarehouseSystem};  // "warehouse", or the connected system that reported
  // A connected system's discrepancy: the snapshot that drives it (reconcile/snapshots.hpp);
  // `position` then has the site, the mapped location ("" for the whole site) and the SKU, and
  // position_id, group ids and round are 0. expected and counted are the ledger's quantity as of
  // the snapshot and the system's figure.
  std::optional<std::int64_t> snapshot_id;
  PositionKey position;
  std::int64_t position_id = 0;
  std::int64_t origin_group_id = 0;  // the count that opened it
  std::int64_t group_id = 0;         // the count that drives it now: the latest recount, or the origin
  DiscrepancyState state = DiscrepancyState::kOpen;
  Classification classification = Classification::kVariance;
  Resolution resolution = Resolution::kNone;
  std::int64_t expected = 0;  // of the driving count
  std::int64_t counted = 0;
  std::int64_t variance = 0;
  std::int64_t value_cents = 0;
  std::uint32_t round = 0;  // recount tasks issued so far
  std::string first_user;   // who counted first: the first task excludes them
  std::int64_t opened_ms = 0;
  std::int64_t updated_ms = 0;
  std::optional<std::int64_t> closed_ms;
  std::string adjust_event_id;  // set once adjusted
  std::int64_t adjust_qty = 0;
  std::int64_t adjust_value_cents = 0;
  std::optional<ReasonCode> adjust_reason;

  bool active() const { return state != DiscrepancyState::kClosed; }
};

struct Transition {
  std::int64_t seq = 0;                  // 1, 2, 3, … per discrepancy
  std::optional<DiscrepancyState> from;  // none for the opening
  DiscrepancyState to = DiscrepancyState::kOpen;
  std::int64_t at_ms = 0;  // hub wall time
  Actor actor;
  std::string cause;           // one sentence
  std::string cause_event_id;  // the event that caused it, when one did
};

// The figures a discrepancy takes from the count that drives it.
struct Figures {
  std::int64_t group_id = 0;
  Classification classification = Classification::kVariance;
  std::int64_t expected = 0;
  std::int64_t counted = 0;
  std::int64_t variance = 0;
  std::int64_t value_cents = 0;
};

enum class StateFilter { kActive, kClosed, kAll };

// What a listing is ordered by; ties go by id. kValue is the absolute value, as value at risk is.
enum class DiscrepancySort { kOpened, kValue, kUpdated, kSite };
enum class SortOrder { kAscending, kDescending };

// Every member narrows the listing; an absent one does not.
struct DiscrepancyQuery {
  std::string site;  // "" for every site
  StateFilter filter = StateFilter::kActive;
  std::vector<DiscrepancyState> states{};  // any of these; empty for any state
  std::int64_t after_id = 0;
  std::optional<std::size_t> limit{};  // none: every match
  std::optional<Classification> classification{};
  std::optional<ReasonCode> reason{};               // the adjustment's reason
  std::optional<std::int64_t> min_value_cents{};    // of the absolute value
  std::optional<std::int64_t> max_value_cents{};    // of the absolute value
  std::optional<std::int64_t> opened_from_ms{};     // opened at or after
  std::optional<std::int64_t> opened_through_ms{};  // opened at or before
  DiscrepancySort sort = DiscrepancySort::kOpened;
  SortOrder order = SortOrder::kAscending;
  std::size_t offset = 0;  // matches skipped before the first listed
  std::string system{};    // "" for every system
};

}  // namespace recount::hub::reconcile
