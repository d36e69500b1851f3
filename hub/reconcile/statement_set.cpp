// Readers for single values and for whether a write wrote.
#include "hub/reconcile/statement_set.hpp"

namespace recount::hub::reconcile {

Result<std::optional<std::int64_t>> first_int(storage::Statement& statement) {
  auto row = statement.step();
  if (!row) return row.error();
  std::optional<std::int64_t> value;
  if (*row && !statement.column_is_null(0)) value = statement.column_int(0);
  statement.reset();
  return value;
}

Result<std::int64_t> single_int(storage::Statement& statement) {
  auto value = first_int(statement);
  if (!value) return value.error();
  return value->value_or(0);
}

Result<bool> wrote_row(storage::Statement& statement) {
  auto changed = statement.run_counted();
  if (!changed) return changed.error();
  return *changed > 0;
}

Error corrupt_value(std::string_view column, const std::string& value) {
  return Error{ErrorCode::kCorrupt, "", "reconcile_" + std::string(column) + " holds an unknown value '" + value + "'"};
}

}  // namespace recount::hub::reconcile
