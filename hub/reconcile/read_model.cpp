// ReadModel: SQL that reads the reconcile_ position, movement, count and count-group tables.
#include "hub/reconcile/read_model.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "hub/reconcile/projection_rows.hpp"
#include "hub/reconcile/stamps.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::reconcile {

enum class ReadModel::Sql {
  kFindPosition,
  kExpected,
  kListPositions,
  kGroupsAt,
  kHistoryMovements,
  kHistoryCounts,
  kHistoryZeros,
  kCount,
};

namespace {

// Indexed by ReadModel::Sql.
const std::string kSql[] = {
    // kFindPosition
    std::string(kFindPositionSql),
    // kExpected: on-hand less what moved after the stamp (a movement at the stamp precedes it).
    "SELECT p.on_hand - (SELECT coalesce(sum(m.delta), 0) FROM reconcile_movements m WHERE m.position_id = p.id"
    " AND m.hlc > ?5) FROM reconcile_positions p WHERE p.site = ?1 AND p.location = ?2 AND p.sku = ?3 AND p.lot = ?4",
    // kListPositions
    std::string(kPositionSelect) +
        " WHERE (?1 = '' OR site = ?1) AND (?2 = '' OR sku = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
    // kGroupsAt
    std::string(kGroupSelect) + " WHERE g.position_id = ?1 ORDER BY g.last_hlc, g.id",
    // kHistoryMovements
    "SELECT m.hlc, m.event_id, m.type, m.wall_ms, m.qty, m.delta, m.device, m.\"user\", m.reason, m.reference,"
    " e.received_ms FROM reconcile_movements m LEFT JOIN events e ON e.event_id = m.event_id"
    " WHERE m.position_id = ?1 ORDER BY m.hlc, m.event_id",
    // kHistoryCounts
    "SELECT c.hlc, c.event_id, c.wall_ms, c.qty, c.device, c.\"user\", c.session, c.task_id, c.group_id,"
    " e.received_ms FROM reconcile_counts c JOIN reconcile_groups g ON g.id = c.group_id"
    " LEFT JOIN events e ON e.event_id = c.event_id WHERE g.position_id = ?1 ORDER BY c.hlc, c.event_id",
    // kHistoryZeros: zeros that are observations (not void).
    "SELECT closed_hlc, id, first_user, task_id, session_key FROM reconcile_groups WHERE position_id = ?1"
    " AND counts = 0 AND closed_hlc IS NOT NULL AND NOT (task_id = '' AND expected = 0) ORDER BY closed_hlc, id",
};

// The session a zero stands for, as a device named it (keys are "session:<id>", "event:<id>" or
// "user:<id>").
std::string session_of(const std::string& session_key) {
  constexpr std::string_view kPrefix = "session:";
  return session_key.starts_with(kPrefix) ? session_key.substr(kPrefix.size()) : std::string();
}

Result<HistoryEntry> read_movement(const storage::Statement& row) {
  HistoryEntry entry;
  entry.hlc = stamp_from_sql(row.column_int(0));
  entry.event_id = row.column_text(1);
  entry.type = row.column_text(2);
  entry.wall_ms = row.column_int(3);
  entry.qty = row.column_int(4);
  entry.delta = row.column_int(5);
  entry.device = row.column_text(6);
  entry.user = row.column_text(7);
  entry.reason = row.column_text(8);
  entry.reference = row.column_text(9);
  if (!row.column_is_null(10)) entry.arrived_ms = row.column_int(10);
  return entry;
}

Result<HistoryEntry> read_count(const storage::Statement& row) {
  HistoryEntry entry;
  entry.hlc = stamp_from_sql(row.column_int(0));
  entry.event_id = row.column_text(1);
  entry.type = std::string(to_string(EventType::kCount));
  entry.wall_ms = row.column_int(2);
  entry.qty = row.column_int(3);
  entry.device = row.column_text(4);
  entry.user = row.column_text(5);
  entry.session = row.column_text(6);
  entry.task_id = row.column_text(7);
  entry.group_id = row.column_int(8);
  if (!row.column_is_null(9)) entry.arrived_ms = row.column_int(9);
  return entry;
}

Result<HistoryEntry> read_zero(const storage::Statement& row) {
  HistoryEntry entry;
  entry.hlc = stamp_from_sql(row.column_int(0));
  entry.type = std::string(to_string(EventType::kLocationClosed));
  entry.group_id = row.column_int(1);
  entry.user = row.column_text(2);
  entry.task_id = row.column_text(3);
  entry.session = session_of(row.column_text(4));
  return entry;
}

}  // namespace

void mark_late(std::vector<HistoryEntry>& entries) {
  std::optional<std::int64_t> earliest_later;  // the earliest arrival among the entries after this one
  // Back to front by index: clang cannot compile std::views::reverse with this libstdc++.
  for (std::size_t i = entries.size(); i-- > 0;) {
    auto& entry = entries[i];
    if (!entry.arrived_ms) continue;
    entry.late_ms = earliest_later && *earliest_later < *entry.arrived_ms ? *entry.arrived_ms - entry.wall_ms : 0;
    earliest_later = earliest_later ? std::min(*earliest_later, *entry.arrived_ms) : *entry.arrived_ms;
  }
}

Result<ReadModel> ReadModel::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return ReadModel(std::move(*statements));
}

Result<std::vector<PositionView>> ReadModel::positions(const PositionQuery& query) {
  auto& list = statement(Sql::kListPositions);
  list.bind(1, query.site).bind(2, query.sku).bind(3, query.after_id).bind(4, static_cast<std::int64_t>(query.limit));
  return collect_rows<PositionView>(list, read_position);
}

Result<std::optional<std::int64_t>> ReadModel::expected(const PositionKey& key, HlcStamp hlc) {
  return first_int(bind_key(statement(Sql::kExpected), key).bind(5, sql_stamp(hlc)));
}

Result<std::vector<HistoryEntry>> ReadModel::history(const PositionKey& key) {
  auto position = first_int(bind_key(statement(Sql::kFindPosition), key));
  if (!position) return position.error();
  if (!*position) return std::vector<HistoryEntry>();
  auto movements = collect_rows<HistoryEntry>(statement(Sql::kHistoryMovements).bind(1, **position), read_movement);
  if (!movements) return movements.error();
  auto counts = collect_rows<HistoryEntry>(statement(Sql::kHistoryCounts).bind(1, **position), read_count);
  if (!counts) return counts.error();
  auto zeros = collect_rows<HistoryEntry>(statement(Sql::kHistoryZeros).bind(1, **position), read_zero);
  if (!zeros) return zeros.error();

  // Merge by stamp; at equal stamps movements come first, as they precede counts there.
  std::vector<HistoryEntry> entries;
  entries.reserve(movements->size() + counts->size() + zeros->size());
  std::vector<HistoryEntry> observations;
  std::merge(std::make_move_iterator(counts->begin()), std::make_move_iterator(counts->end()),
             std::make_move_iterator(zeros->begin()), std::make_move_iterator(zeros->end()),
             std::back_inserter(observations), [](const auto& a, const auto& b) { return a.hlc < b.hlc; });
  std::merge(std::make_move_iterator(movements->begin()), std::make_move_iterator(movements->end()),
             std::make_move_iterator(observations.begin()), std::make_move_iterator(observations.end()),
             std::back_inserter(entries), [](const auto& a, const auto& b) { return a.hlc < b.hlc; });
  std::int64_t balance = 0;
  for (auto& entry : entries) {
    balance += entry.delta;
    entry.balance = balance;
    entry.location = key.location;
  }
  mark_late(entries);
  return entries;
}

Result<std::vector<CountGroup>> ReadModel::counts(const PositionKey& key) {
  auto position = first_int(bind_key(statement(Sql::kFindPosition), key));
  if (!position) return position.error();
  if (!*position) return std::vector<CountGroup>();
  return groups_at(**position);
}

Result<std::vector<CountGroup>> ReadModel::groups_at(std::int64_t position_id) {
  return collect_rows<CountGroup>(statement(Sql::kGroupsAt).bind(1, position_id), read_group);
}

}  // namespace recount::hub::reconcile
