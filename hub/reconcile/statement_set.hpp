// The prepared statements a reconciliation store keeps for life, and small readers for them:
// one value from a query, whether an INSERT or UPDATE wrote, the error for an unknown name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/ledger/statements.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// One prepared statement per enumerator of Sql, whose last enumerator must be kCount. Not
// thread-safe; must not outlive the Database it was prepared on.
template <typename Sql>
class StatementSet {
 public:
  // Compiles `sql`, indexed by Sql; the first failure is returned. Blocks while SQLite compiles.
  template <std::size_t N>
  static Result<StatementSet> prepare(storage::Database& database, const std::string (&sql)[N]) {
    static_assert(N == static_cast<std::size_t>(Sql::kCount), "one SQL text per enumerator");
    const std::vector<std::string_view> texts(std::begin(sql), std::end(sql));
    auto statements = prepare_all(database, texts);
    if (!statements) return statements.error();
    return StatementSet(std::move(*statements));
  }

  storage::Statement& operator[](Sql which) { return statements_[static_cast<std::size_t>(which)]; }

 private:
  explicit StatementSet(std::vector<storage::Statement> statements) : statements_(std::move(statements)) {}
  std::vector<storage::Statement> statements_;
};

// The first column of the first row as an integer, or nullopt when there is no row (or it is
// NULL). Steps the bound statement once and resets it.
Result<std::optional<std::int64_t>> first_int(storage::Statement& statement);

// Like first_int() for a query that always yields a row (an aggregate, EXISTS); 0 otherwise.
Result<std::int64_t> single_int(storage::Statement& statement);

// Runs an INSERT or UPDATE and resets it; whether it wrote a row.
Result<bool> wrote_row(storage::Statement& statement);

// kCorrupt: "reconcile_<column> holds an unknown value '<value>'".
Error corrupt_value(std::string_view column, const std::string& value);

}  // namespace recount::hub::reconcile
