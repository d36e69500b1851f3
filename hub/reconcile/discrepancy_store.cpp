// DiscrepancyStore: SQL over reconcile_discrepancies and reconcile_transitions.
#include "hub/reconcile/discrepancy_store.hpp"

#include <cstdlib>
#include <iostream>
#include <limits>
#include <string_view>
#include <variant>
#include <vector>

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
  kTransitions,
  kInsertSystem,
  kFollowSnapshot,
  kActiveForSubject,
  kCount,
};

namespace {

using State = DiscrepancyState;

// A warehouse discrepancy's position is its count's; a connected system's is its snapshot's
// subject (site, location, SKU, no lot).
const std::string kSelect =
    "SELECT d.id, coalesce(p.site, s.site), coalesce(p.location, s.location), coalesce(p.sku, s.sku),"
    " coalesce(p.lot, ''), d.position_id, d.origin_group_id, d.group_id, d.state,"
    " d.classification, d.resolution, d.expected, d.counted, d.variance, d.value_cents, d.round, d.first_user,"
    " d.opened_ms, d.updated_ms, d.closed_ms, d.adjust_event_id, d.adjust_qty, d.adjust_value_cents, d.adjust_reason,"
    " d.system, d.snapshot_id"
    " FROM reconcile_discrepancies d LEFT JOIN reconcile_positions p ON p.id = d.position_id AND d.snapshot_id IS NULL"
    " LEFT JOIN reconcile_snapshots s ON s.id = d.snapshot_id";

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
    "SELECT id FROM reconcile_discrepancies WHERE position_id = ?1 AND closed_ms IS NULL AND snapshot_id IS NULL",
    // kTransitions
    "SELECT seq, from_state, to_state, at_ms, actor_kind, actor, cause, cause_event_id FROM reconcile_transitions"
    " WHERE discrepancy_id = ?1 ORDER BY seq",
    // kInsertSystem
    "INSERT INTO reconcile_discrepancies (site, position_id, origin_group_id, group_id, state, classification,"
    " resolution, expected, counted, variance, value_cents, round, first_user, opened_ms, updated_ms,"
    " adjust_event_id, adjust_qty, adjust_value_cents, adjust_reason, system, snapshot_id)"
    " VALUES (?1, 0, 0, 0, 'open', ?2, 'none', ?3, ?4, ?5, ?6, 0, '', ?7, ?7, '', 0, 0, '', ?8, ?9) RETURNING id",
    // kFollowSnapshot
    "UPDATE reconcile_discrepancies SET snapshot_id = ?2, classification = ?3, expected = ?4, counted = ?5,"
    " variance = ?6, value_cents = ?7, updated_ms = ?8 WHERE id = ?1",
    // kActiveForSubject: a subject's snapshots are few; each has at most one discrepancy.
    "SELECT d.id FROM reconcile_snapshots s JOIN reconcile_discrepancies d ON d.snapshot_id = s.id"
    " WHERE s.system = ?1 AND s.site = ?2 AND s.location = ?3 AND s.sku = ?4 AND d.closed_ms IS NULL",
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
  d.system = row.column_text(24);
  if (!row.column_is_null(25)) d.snapshot_id = row.column_int(25);
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

// A listing's SQL holds only the terms its query sets, so SQLite picks the index that serves
// them (schema step 3 adds one per sort order, and partial ones over the active rows); the
// values are bound, never written into the text.
struct Filter {
  std::string where;
  std::vector<std::variant<std::int64_t, std::string>> values;

  void add(std::string_view term, std::variant<std::int64_t, std::string> value) {
    where += (where.empty() ? " WHERE " : " AND ") + std::string(term) + std::to_string(values.size() + 1);
    values.push_back(std::move(value));
  }
  void add(std::string_view term) { where += (where.empty() ? " WHERE " : " AND ") + std::string(term); }
};

Filter filter_of(const DiscrepancyQuery& query) {
  Filter filter;
  if (!query.site.empty()) filter.add("d.site = ?", query.site);
  if (!query.system.empty()) filter.add("d.system = ?", query.system);
  if (query.filter == StateFilter::kActive) filter.add("d.closed_ms IS NULL");
  if (query.filter == StateFilter::kClosed) filter.add("d.closed_ms IS NOT NULL");
  if (!query.states.empty()) {
    std::string any;
    for (const DiscrepancyState state : query.states) {
      filter.values.emplace_back(std::string(to_string(state)));
      any += (any.empty() ? "?" : ", ?") + std::to_string(filter.values.size());
    }
    filter.add("d.state IN (" + any + ")");
  }
  if (query.classification) filter.add("d.classification = ?", std::string(to_string(*query.classification)));
  if (query.reason) filter.add("d.adjust_reason = ?", std::string(to_string(*query.reason)));
  if (query.min_value_cents) filter.add("abs(d.value_cents) >= ?", *query.min_value_cents);
  if (query.max_value_cents) filter.add("abs(d.value_cents) <= ?", *query.max_value_cents);
  if (query.opened_from_ms) filter.add("d.opened_ms >= ?", *query.opened_from_ms);
  if (query.opened_through_ms) filter.add("d.opened_ms <= ?", *query.opened_through_ms);
  if (query.after_id > 0) filter.add("d.id > ?", query.after_id);
  return filter;
}

std::string order_of(const DiscrepancyQuery& query) {
  const std::string direction = query.order == SortOrder::kAscending ? "" : " DESC";
  switch (query.sort) {
    case DiscrepancySort::kOpened: return " ORDER BY d.opened_ms" + direction + ", d.id" + direction;
    case DiscrepancySort::kValue: return " ORDER BY abs(d.value_cents)" + direction + ", d.id" + direction;
    case DiscrepancySort::kUpdated: return " ORDER BY d.updated_ms" + direction + ", d.id" + direction;
    case DiscrepancySort::kSite:
      return " ORDER BY d.site" + direction + ", d.opened_ms" + direction + ", d.id" + direction;
  }
  return "";
}

void bind_all(storage::Statement& statement, const Filter& filter) {
  int index = 1;
  for (const auto& value : filter.values) {
    std::visit([&](const auto& each) { statement.bind(index, each); }, value);
    ++index;
  }
}

}  // namespace

Result<DiscrepancyStore> DiscrepancyStore::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return DiscrepancyStore(database, std::move(*statements));
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

Result<std::int64_t> DiscrepancyStore::open_for_snapshot(const std::string& system, const std::string& site,
                                                         std::int64_t snapshot_id, const Figures& figures,
                                                         std::int64_t at_ms, const Actor& actor,
                                                         const std::string& cause, const std::string& cause_event_id) {
  auto& insert = statement(Sql::kInsertSystem);
  insert.bind(1, site)
      .bind(2, to_string(figures.classification))
      .bind(3, figures.expected)
      .bind(4, figures.counted)
      .bind(5, figures.variance)
      .bind(6, figures.value_cents)
      .bind(7, at_ms)
      .bind(8, system)
      .bind(9, snapshot_id);
  auto inserted = single_int(insert);
  if (!inserted) return inserted.error();
  auto opened = append_transition(*inserted, std::nullopt, State::kOpen, at_ms, actor, cause, cause_event_id);
  if (!opened) return opened.error();
  return *inserted;
}

Result<void> DiscrepancyStore::follow_snapshot(std::int64_t id, std::int64_t snapshot_id, const Figures& figures,
                                               std::int64_t at_ms) {
  return statement(Sql::kFollowSnapshot)
      .bind(1, id)
      .bind(2, snapshot_id)
      .bind(3, to_string(figures.classification))
      .bind(4, figures.expected)
      .bind(5, figures.counted)
      .bind(6, figures.variance)
      .bind(7, figures.value_cents)
      .bind(8, at_ms)
      .run();
}

Result<std::optional<std::int64_t>> DiscrepancyStore::active_for_subject(const std::string& system,
                                                                         const PositionKey& subject) {
  return first_int(statement(Sql::kActiveForSubject)
                       .bind(1, system)
                       .bind(2, subject.site)
                       .bind(3, subject.location)
                       .bind(4, subject.sku));
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
  const Filter filter = filter_of(query);
  // The page's ids are chosen first, from the index of the order alone where the filters allow,
  // and only its rows are then read and joined: SQLite reads every row an OFFSET skips, so a
  // deep page over whole rows costs what all the rows before it cost. Without a limit the
  // largest one stands in: both engines take an OFFSET only after a LIMIT, and only SQLite reads
  // -1 as none.
  const std::string page =
      " LIMIT " +
      std::to_string(query.limit ? static_cast<std::int64_t>(*query.limit) : std::numeric_limits<std::int64_t>::max()) +
      " OFFSET " + std::to_string(query.offset);
  const std::string sql = kSelect + " WHERE d.id IN (SELECT d.id FROM reconcile_discrepancies d" + filter.where +
                          order_of(query) + page + ")" + order_of(query);
  auto statement = cached(sql);
  if (!statement) return statement.error();
  bind_all(**statement, filter);
  return collect_rows<Discrepancy>(**statement, read_discrepancy);
}

Result<std::int64_t> DiscrepancyStore::count(const DiscrepancyQuery& query) {
  const Filter filter = filter_of(query);
  auto statement = cached("SELECT count(*) FROM reconcile_discrepancies d" + filter.where);
  if (!statement) return statement.error();
  bind_all(**statement, filter);
  return single_int(**statement);
}

Result<storage::Statement*> DiscrepancyStore::cached(const std::string& sql) {
  auto found = listings_.find(sql);
  if (found == listings_.end()) {
    // The shapes are bounded (each filter present or not, five orders), but a long-running hub
    // need not keep every one it ever saw.
    if (listings_.size() >= kMaxCachedListings) listings_.clear();
    auto prepared = database_->prepare(sql);
    if (!prepared) return prepared.error();
    found = listings_.emplace(sql, std::move(*prepared)).first;
  }
  return &found->second;
}

Result<std::vector<Transition>> DiscrepancyStore::transitions(std::int64_t id) {
  return collect_rows<Transition>(statement(Sql::kTransitions).bind(1, id), read_transition);
}

}  // namespace recount::hub::reconcile
