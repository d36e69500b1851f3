// Discrepancy lifecycle rules and their records.
#include "hub/reconcile/discrepancy.hpp"

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "hub/reconcile/names.hpp"

namespace recount::hub::reconcile {

enum class DiscrepancyStore::Sql {
  kInsert,
  kReadState,
  kWriteState,
  kNextSeq,
  kInsertTransition,
  kUpdateFigures,
  kSetRound,
  kRecordAdjustment,
  kGet,
  kActiveAt,
  kList,
  kTransitions,
  kCount,
};

namespace {

constexpr NameTable<DiscrepancyState, 8> kStateNames{{
    {DiscrepancyState::kOpen, "open"},
    {DiscrepancyState::kRecountRequested, "recount_requested"},
    {DiscrepancyState::kRecounted, "recounted"},
    {DiscrepancyState::kConfirmed, "confirmed"},
    {DiscrepancyState::kAwaitingApproval, "awaiting_approval"},
    {DiscrepancyState::kAwaitingReview, "awaiting_review"},
    {DiscrepancyState::kAdjusted, "adjusted"},
    {DiscrepancyState::kClosed, "closed"},
}};

constexpr NameTable<Classification, 3> kClassificationNames{{
    {Classification::kVariance, "variance"},
    {Classification::kUomError, "uom_error"},
    {Classification::kAmbiguous, "ambiguous"},
}};

constexpr NameTable<Resolution, 9> kResolutionNames{{
    {Resolution::kNone, "none"},
    {Resolution::kCountError, "count_error"},
    {Resolution::kCountCompleted, "count_completed"},
    {Resolution::kLateMovement, "late_movement"},
    {Resolution::kReevaluated, "reevaluated"},
    {Resolution::kAdjusted, "adjusted"},
    {Resolution::kApproved, "approved"},
    {Resolution::kWrittenOff, "written_off"},
    {Resolution::kRejected, "rejected"},
}};

constexpr NameTable<OperatorAction, 3> kActionNames{{
    {OperatorAction::kApprove, "approve"},
    {OperatorAction::kReject, "reject"},
    {OperatorAction::kWriteOff, "write-off"},
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
};

const std::string kSelect =
    "SELECT d.id, p.site, p.location, p.sku, p.lot, d.position_id, d.origin_group_id, d.group_id, d.state,"
    " d.classification, d.resolution, d.expected, d.counted, d.variance, d.value_cents, d.round, d.first_user,"
    " d.opened_ms, d.updated_ms, d.closed_ms, d.adjust_event_id, d.adjust_qty, d.adjust_value_cents, d.adjust_reason"
    " FROM reconcile_discrepancies d JOIN reconcile_positions p ON p.id = d.position_id";

// Indexed by DiscrepancyStore::Sql.
const std::string kSql[] = {
    // kInsert
    "INSERT INTO reconcile_discrepancies (site, position_id, origin_group_id, group_id, state, classification,"
    " resolution, expected, counted, variance, value_cents, round, first_user, opened_ms, updated_ms,"
    " adjust_event_id, adjust_qty, adjust_value_cents, adjust_reason)"
    " VALUES (?1, ?2, ?3, ?3, 'open', ?4, 'none', ?5, ?6, ?7, ?8, 0, ?9, ?10, ?10, '', 0, 0, '') RETURNING id",
    // kReadState
    "SELECT state FROM reconcile_discrepancies WHERE id = ?1",
    // kWriteState
    "UPDATE reconcile_discrepancies SET state = ?2, resolution = ?3, updated_ms = ?4,"
    " closed_ms = CASE WHEN ?2 = 'closed' THEN ?4 ELSE closed_ms END WHERE id = ?1",
    // kNextSeq
    "SELECT coalesce(max(seq), 0) + 1 FROM reconcile_transitions WHERE discrepancy_id = ?1",
    // kInsertTransition
    "INSERT INTO reconcile_transitions (discrepancy_id, seq, from_state, to_state, at_ms, actor_kind, actor, cause,"
    " cause_event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    // kUpdateFigures
    "UPDATE reconcile_discrepancies SET group_id = ?2, classification = ?3, expected = ?4, counted = ?5,"
    " variance = ?6, value_cents = ?7, updated_ms = ?8 WHERE id = ?1",
    // kSetRound
    "UPDATE reconcile_discrepancies SET round = ?2 WHERE id = ?1",
    // kRecordAdjustment
    "UPDATE reconcile_discrepancies SET adjust_event_id = ?2, adjust_qty = ?3, adjust_value_cents = ?4,"
    " adjust_reason = ?5 WHERE id = ?1",
    // kGet
    kSelect + " WHERE d.id = ?1",
    // kActiveAt
    "SELECT id FROM reconcile_discrepancies WHERE position_id = ?1 AND closed_ms IS NULL",
    // kList: ?2 is 'active', 'closed' or 'all'; ?3 a state name or ''.
    kSelect +
        " WHERE (?1 = '' OR d.site = ?1) AND (?2 = 'all' OR (?2 = 'active') = (d.closed_ms IS NULL))"
        " AND (?3 = '' OR d.state = ?3) AND d.id > ?4 ORDER BY d.id LIMIT ?5",
    // kTransitions
    "SELECT seq, from_state, to_state, at_ms, actor_kind, actor, cause, cause_event_id FROM reconcile_transitions"
    " WHERE discrepancy_id = ?1 ORDER BY seq",
};

// Parses a name column or reports it corrupt.
template <typename Parse>
auto parsed(const storage::Statement& row, int column, std::string_view name, Parse parse, Error& error)
    -> decltype(parse(std::string_view())) {
  const std::string text = row.column_text(column);
  auto value = parse(text);
  if (!value && error.message.empty()) error = corrupt_value(name, text);
  return value;
}

Result<Discrepancy> read_discrepancy(const storage::Statement& row) {
  Error error{ErrorCode::kCorrupt, "", ""};
  Discrepancy d;
  d.id = row.column_int(0);
  d.position = PositionKey{row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4)};
  d.position_id = row.column_int(5);
  d.origin_group_id = row.column_int(6);
  d.group_id = row.column_int(7);
  const auto state = parsed(row, 8, "discrepancies.state", parse_discrepancy_state, error);
  const auto classification = parsed(row, 9, "discrepancies.classification", parse_classification, error);
  const auto resolution = parsed(row, 10, "discrepancies.resolution", parse_resolution, error);
  d.expected = row.column_int(11);
  d.counted = row.column_int(12);
  d.variance = row.column_int(13);
  d.value_cents = row.column_int(14);
  d.round = static_cast<std::uint32_t>(row.column_int(15));
  d.first_user = row.column_text(16);
  d.opened_ms = row.column_int(17);
  d.updated_ms = row.column_int(18);
  if (!row.column_is_null(19)) d.closed_ms = row.column_int(19);
  d.adjust_event_id = row.column_text(20);
  d.adjust_qty = row.column_int(21);
  d.adjust_value_cents = row.column_int(22);
  if (!row.column_text(23).empty())
    d.adjust_reason = parsed(row, 23, "discrepancies.adjust_reason", parse_reason_code, error);
  if (!error.message.empty()) return error;
  d.state = *state;
  d.classification = *classification;
  d.resolution = *resolution;
  return d;
}

Result<Transition> read_transition(const storage::Statement& row) {
  Error error{ErrorCode::kCorrupt, "", ""};
  Transition transition;
  transition.seq = row.column_int(0);
  if (!row.column_text(1).empty()) {
    transition.from = parsed(row, 1, "transitions.from_state", parse_discrepancy_state, error);
  }
  const auto to = parsed(row, 2, "transitions.to_state", parse_discrepancy_state, error);
  transition.at_ms = row.column_int(3);
  const auto kind = parsed(row, 4, "transitions.actor_kind", parse_actor_kind, error);
  if (!error.message.empty()) return error;
  transition.to = *to;
  transition.actor = Actor{*kind, row.column_text(5)};
  transition.cause = row.column_text(6);
  transition.cause_event_id = row.column_text(7);
  return transition;
}

std::string_view filter_name(StateFilter filter) {
  switch (filter) {
    case StateFilter::kActive: return "active";
    case StateFilter::kClosed: return "closed";
    case StateFilter::kAll: return "all";
  }
  return "all";
}

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
  }
  return Resolution::kReevaluated;
}

Result<DiscrepancyStore> DiscrepancyStore::prepare(storage::Database& database) {
  auto statements = StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return DiscrepancyStore(std::move(*statements));
}

Result<std::int64_t> DiscrepancyStore::open(std::int64_t position_id, const std::string& site, const Figures& figures,
                                            const std::string& first_user, std::int64_t at_ms, const Actor& actor,
                                            const std::string& cause, const std::string& cause_event_id) {
  auto& insert = statement(Sql::kInsert);
  insert.bind(1, site)
      .bind(2, position_id)
      .bind(3, figures.group_id)
      .bind(4, to_string(figures.classification))
      .bind(5, figures.expected)
      .bind(6, figures.counted)
      .bind(7, figures.variance)
      .bind(8, figures.value_cents)
      .bind(9, first_user)
      .bind(10, at_ms);
  auto inserted = single_int(insert);
  if (!inserted) return inserted.error();
  const std::int64_t id = *inserted;
  auto opened = append_transition(id, std::nullopt, State::kOpen, at_ms, actor, cause, cause_event_id);
  if (!opened) return opened.error();
  return id;
}

Result<Transition> DiscrepancyStore::transition(std::int64_t id, DiscrepancyState to, Resolution resolution,
                                                std::int64_t at_ms, const Actor& actor, const std::string& cause,
                                                const std::string& cause_event_id) {
  auto& read = statement(Sql::kReadState);
  auto states = collect_rows<std::string>(
      read.bind(1, id), [](const storage::Statement& row) -> Result<std::string> { return row.column_text(0); });
  if (!states) return states.error();
  if (states->empty()) return Error{ErrorCode::kNotFound, "", "no discrepancy " + std::to_string(id)};
  const auto from = parse_discrepancy_state(states->front());
  if (!from) return corrupt_value("discrepancies.state", states->front());
  if (!may_transition(*from, to) || ((to == State::kClosed) != (resolution != Resolution::kNone))) {
    std::cerr << "recount: invariant violated: discrepancy " << id << " may not go from " << to_string(*from) << " to "
              << to_string(to) << " resolved as " << to_string(resolution) << '\n';
    std::abort();
  }
  auto& write = statement(Sql::kWriteState);
  if (auto ok = write.bind(1, id).bind(2, to_string(to)).bind(3, to_string(resolution)).bind(4, at_ms).run(); !ok) {
    return ok.error();
  }
  return append_transition(id, from, to, at_ms, actor, cause, cause_event_id);
}

Result<Transition> DiscrepancyStore::append_transition(std::int64_t id, std::optional<DiscrepancyState> from,
                                                       DiscrepancyState to, std::int64_t at_ms, const Actor& actor,
                                                       const std::string& cause, const std::string& cause_event_id) {
  auto seq = single_int(statement(Sql::kNextSeq).bind(1, id));
  if (!seq) return seq.error();
  Transition transition{*seq, from, to, at_ms, actor, cause, cause_event_id};
  auto& insert = statement(Sql::kInsertTransition);
  insert.bind(1, id)
      .bind(2, transition.seq)
      .bind(3, from ? to_string(*from) : std::string_view(""))
      .bind(4, to_string(to))
      .bind(5, at_ms)
      .bind(6, to_string(actor.kind))
      .bind(7, actor.id)
      .bind(8, cause)
      .bind(9, cause_event_id);
  if (auto ok = insert.run(); !ok) return ok.error();
  return transition;
}

Result<void> DiscrepancyStore::update_figures(std::int64_t id, const Figures& figures, std::int64_t at_ms) {
  return statement(Sql::kUpdateFigures)
      .bind(1, id)
      .bind(2, figures.group_id)
      .bind(3, to_string(figures.classification))
      .bind(4, figures.expected)
      .bind(5, figures.counted)
      .bind(6, figures.variance)
      .bind(7, figures.value_cents)
      .bind(8, at_ms)
      .run();
}

Result<void> DiscrepancyStore::set_round(std::int64_t id, std::uint32_t round) {
  return statement(Sql::kSetRound).bind(1, id).bind(2, std::int64_t{round}).run();
}

Result<void> DiscrepancyStore::record_adjustment(std::int64_t id, const std::string& event_id, std::int64_t qty,
                                                 std::int64_t value_cents, ReasonCode reason) {
  return statement(Sql::kRecordAdjustment)
      .bind(1, id)
      .bind(2, event_id)
      .bind(3, qty)
      .bind(4, value_cents)
      .bind(5, to_string(reason))
      .run();
}

Result<Discrepancy> DiscrepancyStore::get(std::int64_t id) {
  auto found = collect_rows<Discrepancy>(statement(Sql::kGet).bind(1, id), read_discrepancy);
  if (!found) return found.error();
  if (found->empty()) return Error{ErrorCode::kNotFound, "", "no discrepancy " + std::to_string(id)};
  return std::move(found->front());
}

Result<std::optional<std::int64_t>> DiscrepancyStore::active_at(std::int64_t position_id) {
  return first_int(statement(Sql::kActiveAt).bind(1, position_id));
}

Result<std::vector<Discrepancy>> DiscrepancyStore::list(const DiscrepancyQuery& query) {
  auto& list = statement(Sql::kList);
  list.bind(1, query.site)
      .bind(2, filter_name(query.filter))
      .bind(3, query.state ? to_string(*query.state) : std::string_view(""))
      .bind(4, query.after_id)
      .bind(5, static_cast<std::int64_t>(query.limit));
  return collect_rows<Discrepancy>(list, read_discrepancy);
}

Result<std::vector<Transition>> DiscrepancyStore::transitions(std::int64_t id) {
  return collect_rows<Transition>(statement(Sql::kTransitions).bind(1, id), read_transition);
}

}  // namespace recount::hub::reconcile
