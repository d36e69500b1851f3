// Helpers for the stores that keep prepared statements for life: preparing a fixed set at once,
// and reading a statement's rows into values.
#pragma once

#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// One Statement per SQL text, in the same order; the first failure is returned. The statements
// must not outlive `database`, and share its one-thread-at-a-time rule. Blocks while SQLite
// compiles them.
Result<std::vector<storage::Statement>> prepare_all(storage::Database& database, std::span<const std::string_view> sql);

// Steps a bound statement to its end, turning each row into a T with `read` (a callable taking
// the statement and returning Result<T>), and resets it for the next use. The first error from
// SQLite or from `read` stops the walk and is returned.
template <typename T, typename Read>
Result<std::vector<T>> collect_rows(storage::Statement& statement, Read read) {
  std::vector<T> rows;
  while (true) {
    auto row = statement.step();  // resets the statement itself on error
    if (!row) return row.error();
    if (!*row) break;
    Result<T> value = read(statement);
    if (!value) {
      statement.reset();
      return value.error();
    }
    rows.push_back(std::move(*value));
  }
  statement.reset();
  return rows;
}

}  // namespace recount::hub
