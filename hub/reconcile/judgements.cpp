// Judgements: SQL over reconcile_dirty and the judgement columns of reconcile_groups, and the
// ordered passes over positions, movements and groups.
#include "hub/reconcile/judgements.hpp"

#include <algorithm>
#include <iterator>

#include "hub/reconcile/names.hpp"
#include "hub/reconcile/projection_rows.hpp"
#include "hub/reconcile/stamps.hpp"

namespace recount::hub::reconcile {

enum class Judgements::Sql {
  kCountedBy,
  kNewestLead,
  kRecord,
  kLink,
  kDuePositions,
  kDueOfPosition,
  kNextDue,
  kClearDirty,
  kRepairExpected,
  kRepairOnHand,
  kScanPositions,
  kScanMovements,
  kScanGroups,
  kCount,
};

namespace {

// Indexed by Judgements::Sql.
const std::string kSql[] = {
    // kCountedBy
    "SELECT EXISTS (SELECT 1 FROM reconcile_counts WHERE group_id = ?1 AND \"user\" = ?2)",
    // kNewestLead: void is spelt out rather than read from verdict, which is stale until settled.
    "SELECT id FROM reconcile_groups WHERE position_id = ?1 AND NOT (counts = 0 AND task_id = '' AND expected = 0)"
    " AND coalesce(role, '') <> 'refused' ORDER BY last_hlc DESC, id DESC LIMIT 1",
    // kRecord
    "UPDATE reconcile_groups SET role = ?2, verdict = ?3, ambiguous = ?4, variance = ?5, value_cents = ?6,"
    " settled_ms = ?7, judged_window_ms = ?8 WHERE id = ?1",
    // kLink
    "UPDATE reconcile_groups SET discrepancy_id = ?2 WHERE id = ?1",
    // kDuePositions: the positions of the groups marked due earliest, in the order of the due_ms
    // index (no sort, however many are due). CROSS JOIN keeps both engines starting from dirty.
    "SELECT g.position_id FROM reconcile_dirty d CROSS JOIN reconcile_groups g"
    " WHERE g.id = d.group_id AND d.due_ms <= ?1 ORDER BY d.due_ms LIMIT ?2",
    // kDueOfPosition: the position's due groups in the order of its groups' time index (no sort).
    "SELECT d.group_id, d.cause, d.cause_event_id, d.actor_kind, d.actor FROM reconcile_groups g"
    " CROSS JOIN reconcile_dirty d WHERE g.position_id = ?1 AND d.group_id = g.id AND d.due_ms <= ?2"
    " ORDER BY g.last_hlc, g.id",
    // kNextDue: min() over the due_ms index reads one entry.
    "SELECT min(due_ms) FROM reconcile_dirty",
    // kClearDirty
    "DELETE FROM reconcile_dirty WHERE group_id = ?1",
    // kRepairExpected
    "UPDATE reconcile_groups SET expected = ?2 WHERE id = ?1",
    // kRepairOnHand
    "UPDATE reconcile_positions SET on_hand = ?2 WHERE id = ?1",
    // kScanPositions
    std::string(kPositionSelect) + " ORDER BY id",
    // kScanMovements
    "SELECT position_id, hlc, delta, physical FROM reconcile_movements ORDER BY position_id, hlc, event_id",
    // kScanGroups: the (position_id, last_hlc) index ends in the rowid, so this needs no sort.
    std::string(kGroupSelect) + " ORDER BY g.position_id, g.last_hlc, g.id",
};

Result<DueGroup> read_due(const storage::Statement& row) {
  const auto kind = parse_cause_kind(row.column_text(1));
  if (!kind) return corrupt_value("dirty.cause", row.column_text(1));
  const auto actor_kind = parse_actor_kind(row.column_text(3));
  if (!actor_kind) return corrupt_value("dirty.actor_kind", row.column_text(3));
  return DueGroup{row.column_int(0), Cause{*kind, row.column_text(2), Actor{*actor_kind, row.column_text(4)}}};
}

}  // namespace

Result<Judgements> Judgements::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return Judgements(std::move(*statements));
}

Result<std::vector<DueGroup>> Judgements::due(std::int64_t now_ms, std::size_t marks) {
  auto positions =
      storage::all_ints(statement(Sql::kDuePositions).bind(1, now_ms).bind(2, static_cast<std::int64_t>(marks)));
  if (!positions) return positions.error();
  std::sort(positions->begin(), positions->end());
  positions->erase(std::unique(positions->begin(), positions->end()), positions->end());
  std::vector<DueGroup> due;
  for (const std::int64_t position : *positions) {
    auto groups = collect_rows<DueGroup>(statement(Sql::kDueOfPosition).bind(1, position).bind(2, now_ms), read_due);
    if (!groups) return groups.error();
    due.insert(due.end(), std::make_move_iterator(groups->begin()), std::make_move_iterator(groups->end()));
  }
  return due;
}

Result<std::optional<std::int64_t>> Judgements::next_due() { return first_int(statement(Sql::kNextDue)); }

Result<void> Judgements::clear_dirty(std::int64_t group_id) {
  return statement(Sql::kClearDirty).bind(1, group_id).run();
}

Result<void> Judgements::record(std::int64_t group_id, GroupRole role, const Judgement& judgement, bool ambiguous,
                                std::int64_t window_ms, std::int64_t settled_ms) {
  return statement(Sql::kRecord)
      .bind(1, group_id)
      .bind(2, to_string(role))
      .bind(3, to_string(judgement.verdict))
      .bind(4, std::int64_t{ambiguous})
      .bind(5, judgement.variance)
      .bind(6, judgement.value_cents)
      .bind(7, settled_ms)
      .bind(8, window_ms)
      .run();
}

Result<void> Judgements::link(std::int64_t group_id, std::int64_t discrepancy_id) {
  return statement(Sql::kLink).bind(1, group_id).bind(2, discrepancy_id).run();
}

Result<bool> Judgements::counted_by(std::int64_t group_id, const std::string& user) {
  auto counted = single_int(statement(Sql::kCountedBy).bind(1, group_id).bind(2, user));
  if (!counted) return counted.error();
  return *counted != 0;
}

Result<std::optional<std::int64_t>> Judgements::newest_lead(std::int64_t position_id) {
  return first_int(statement(Sql::kNewestLead).bind(1, position_id));
}

Result<void> Judgements::repair_expected(std::int64_t group_id, std::int64_t expected) {
  return statement(Sql::kRepairExpected).bind(1, group_id).bind(2, expected).run();
}

Result<void> Judgements::repair_on_hand(std::int64_t position_id, std::int64_t on_hand) {
  return statement(Sql::kRepairOnHand).bind(1, position_id).bind(2, on_hand).run();
}

Result<void> Judgements::scan(const std::function<Result<void>(const PositionScan&)>& visit) {
  auto& position_rows = statement(Sql::kScanPositions);
  auto& movements = statement(Sql::kScanMovements);
  auto& groups = statement(Sql::kScanGroups);
  // Three cursors in position order, walked together; reset whatever way this returns.
  struct ResetAll {
    storage::Statement* statements[3];
    ~ResetAll() {
      for (auto* cursor : statements) cursor->reset();
    }
  } reset_all{{&position_rows, &movements, &groups}};

  auto movement_row = movements.step();
  if (!movement_row) return movement_row.error();
  auto group_row = groups.step();
  if (!group_row) return group_row.error();
  while (true) {
    auto position_row = position_rows.step();
    if (!position_row) return position_row.error();
    if (!*position_row) return {};
    PositionScan scan;
    scan.position = *read_position(position_rows);
    for (; movement_row && *movement_row && movements.column_int(0) == scan.position.id;
         movement_row = movements.step()) {
      scan.movements.push_back(
          {stamp_from_sql(movements.column_int(1)), movements.column_int(2), movements.column_int(3) != 0});
    }
    if (!movement_row) return movement_row.error();
    for (; group_row && *group_row && groups.column_int(1) == scan.position.id; group_row = groups.step()) {
      auto group = read_group(groups);
      if (!group) return group.error();
      scan.groups.push_back(std::move(*group));
    }
    if (!group_row) return group_row.error();
    if (auto ok = visit(scan); !ok) return ok;
  }
}

Result<void> Judgements::scan_groups(const std::function<Result<void>(const CountGroup&)>& visit) {
  auto& groups = statement(Sql::kScanGroups);
  while (true) {
    auto row = groups.step();
    if (!row) return row.error();
    if (!*row) break;
    auto group = read_group(groups);
    if (!group) {
      groups.reset();
      return group.error();
    }
    if (auto ok = visit(*group); !ok) {
      groups.reset();
      return ok;
    }
  }
  groups.reset();
  return {};
}

}  // namespace recount::hub::reconcile
