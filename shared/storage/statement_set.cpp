// Preparing a set of statements, and the readers for single values and for whether a write wrote.
#include "shared/storage/statement_set.hpp"

namespace recount::storage {

Result<std::vector<Statement>> prepare_all(Connection& database, std::span<const std::string_view> sql) {
  std::vector<Statement> statements;
  statements.reserve(sql.size());
  for (const auto text : sql) {
    auto statement = database.prepare(text);
    if (!statement) return statement.error();
    statements.push_back(std::move(*statement));
  }
  return statements;
}

Result<std::optional<std::int64_t>> first_int(Statement& statement) {
  auto row = statement.step();
  if (!row) return row.error();
  std::optional<std::int64_t> value;
  if (*row && !statement.column_is_null(0)) value = statement.column_int(0);
  statement.reset();
  return value;
}

Result<std::int64_t> single_int(Statement& statement) {
  auto value = first_int(statement);
  if (!value) return value.error();
  return value->value_or(0);
}

Result<std::vector<std::int64_t>> all_ints(Statement& statement) {
  return collect_rows<std::int64_t>(statement,
                                    [](const Statement& row) -> Result<std::int64_t> { return row.column_int(0); });
}

Result<std::optional<std::string>> first_text(Statement& statement) {
  auto row = statement.step();
  if (!row) return row.error();
  std::optional<std::string> value;
  if (*row) value = statement.column_text(0);
  statement.reset();
  return value;
}

Result<bool> wrote_row(Statement& statement) {
  auto changed = statement.run_counted();
  if (!changed) return changed.error();
  return *changed > 0;
}

std::string returning_id(const Connection& database, std::string_view insert) {
  std::string sql(insert);
  if (database.dialect() != Dialect::kSqlite) sql += " RETURNING id";
  return sql;
}

Result<std::int64_t> inserted_id(Connection& database, Statement& insert) {
  const Error skipped{ErrorCode::kConflict, "", "the insert wrote no row, so it has no id"};
  if (database.dialect() != Dialect::kSqlite) {
    auto id = first_int(insert);
    if (!id) return id.error();
    if (!*id) return skipped;
    return **id;
  }
  auto written = insert.run_counted();
  if (!written) return written.error();
  if (*written == 0) return skipped;
  return static_cast<Database&>(database).last_insert_rowid();
}

Result<bool> KeysetPages::next() {
  while (true) {
    if (!paging_) {
      statement_->bind(1, after_).bind(2, page_);
      paging_ = true;
      read_in_page_ = 0;
    }
    auto row = statement_->step();  // resets the statement itself on error
    if (!row) {
      paging_ = false;
      return row.error();
    }
    if (*row) {
      ++read_in_page_;
      after_ = statement_->column_int(key_column_);
      return true;
    }
    statement_->reset();
    paging_ = false;
    if (read_in_page_ < page_) return false;  // a short page is the last
  }
}

}  // namespace recount::storage
