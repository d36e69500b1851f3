// Row readers shared by the projections' write side and their read models.
#include "hub/reconcile/projection_rows.hpp"

#include "hub/reconcile/names.hpp"
#include "hub/reconcile/stamps.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

storage::Statement& bind_key(storage::Statement& statement, const PositionKey& key) {
  return statement.bind(1, key.site).bind(2, key.location).bind(3, key.sku).bind(4, key.lot);
}

std::optional<std::int64_t> optional_int(const storage::Statement& row, int column) {
  if (row.column_is_null(column)) return std::nullopt;
  return row.column_int(column);
}

Result<CountGroup> read_group(const storage::Statement& row) {
  CountGroup group;
  group.id = row.column_int(0);
  group.position_id = row.column_int(1);
  group.position = PositionKey{row.column_text(2), row.column_text(3), row.column_text(4), row.column_text(5)};
  group.task_id = row.column_text(6);
  group.session_key = row.column_text(7);
  group.counts = row.column_int(8);
  group.counted = row.column_int(9);
  group.first_hlc = stamp_from_sql(row.column_int(10));
  group.last_hlc = stamp_from_sql(row.column_int(11));
  if (!row.column_is_null(12)) group.closed_hlc = stamp_from_sql(row.column_int(12));
  group.first_user = row.column_text(13);
  group.expected = row.column_int(14);
  if (!row.column_is_null(15)) {
    group.role = parse_group_role(row.column_text(15));
    if (!group.role) return corrupt_value("groups.role", row.column_text(15));
  }
  if (!row.column_is_null(16)) {
    group.verdict = parse_verdict(row.column_text(16));
    if (!group.verdict) return corrupt_value("groups.verdict", row.column_text(16));
  }
  group.ambiguous = row.column_int(17) != 0;
  group.variance = row.column_int(18);
  group.value_cents = row.column_int(19);
  group.discrepancy_id = optional_int(row, 20);
  group.received_ms = row.column_int(21);
  group.settled_ms = optional_int(row, 22);
  group.judged_window_ms = optional_int(row, 23);
  return group;
}

Result<PositionView> read_position(const storage::Statement& row) {
  return PositionView{row.column_int(0),
                      PositionKey{row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4)},
                      row.column_int(5), row.column_int(6)};
}

}  // namespace recount::hub::reconcile
