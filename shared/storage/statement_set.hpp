// The one way a store keeps its prepared statements: a set indexed by the store's own enum,
// compiled together when the store opens, and the readers that step them (one value, whether a
// write wrote, every row into values).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/sqlite.hpp"  // the Database most stores open their sets on

namespace recount::storage {

// One Statement per SQL text, in the same order; the first failure is returned. The statements
// must not outlive `database`, and share its one-thread-at-a-time rule. Blocks while SQLite
// compiles them.
Result<std::vector<Statement>> prepare_all(Connection& database, std::span<const std::string_view> sql);

// One prepared statement per enumerator of Sql, whose last enumerator must be kCount. Prepared
// eagerly, all at once: a store finds a typo in its SQL when it opens, not on the first call
// that needs the statement, and compiling is cheap next to opening the file (Database::open reads
// every page for its quick_check). Not thread-safe; must not outlive the Connection it was
// prepared on.
template <typename Sql>
class StatementSet {
 public:
  // Compiles `sql`, indexed by Sql; the first failure is returned. Blocks while SQLite compiles.
  template <typename Text, std::size_t N>
  static Result<StatementSet> prepare(Connection& database, const Text (&sql)[N]) {
    static_assert(N == static_cast<std::size_t>(Sql::kCount), "one SQL text per enumerator");
    std::array<std::string_view, N> texts;
    for (std::size_t i = 0; i < N; ++i) texts[i] = sql[i];
    return prepare_texts(database, texts);
  }
  template <typename Text, std::size_t N>
  static Result<StatementSet> prepare(Connection& database, const std::array<Text, N>& sql) {
    static_assert(N == static_cast<std::size_t>(Sql::kCount), "one SQL text per enumerator");
    std::array<std::string_view, N> texts;
    for (std::size_t i = 0; i < N; ++i) texts[i] = sql[i];
    return prepare_texts(database, texts);
  }

  Statement& operator[](Sql which) { return statements_[static_cast<std::size_t>(which)]; }

 private:
  static Result<StatementSet> prepare_texts(Connection& database, std::span<const std::string_view> texts) {
    auto statements = prepare_all(database, texts);
    if (!statements) return statements.error();
    return StatementSet(std::move(*statements));
  }
  explicit StatementSet(std::vector<Statement> statements) : statements_(std::move(statements)) {}
  std::vector<Statement> statements_;
};

// The first column of the first row as an integer, or nullopt when there is no row (or it is
// NULL). Steps the bound statement once and resets it.
Result<std::optional<std::int64_t>> first_int(Statement& statement);

// Like first_int() for a query that always yields a row (an aggregate, EXISTS); 0 otherwise.
Result<std::int64_t> single_int(Statement& statement);

// The first column of every row as an integer. Steps the bound statement to its end and resets it.
Result<std::vector<std::int64_t>> all_ints(Statement& statement);

// Like first_int() for a text column: nullopt when there is no row; "" for NULL.
Result<std::optional<std::string>> first_text(Statement& statement);

// Runs an INSERT or UPDATE and resets it; whether it wrote a row.
Result<bool> wrote_row(Statement& statement);

// An INSERT of one row into a table whose `id` column is its integer primary key, written so that
// inserted_id() can tell the id the row got: on PostgreSQL with " RETURNING id" appended; on
// SQLite unchanged, since the id is the connection's last rowid there. SQLite runs RETURNING
// through a temporary table, about 2 µs more per row: a few percent of reconciliation, which
// inserts a position or a count group for every third event (docs/performance.md).
std::string returning_id(const Connection& database, std::string_view insert);
// Runs a bound insert written by returning_id() on `database` and resets it; the new row's id.
// kConflict when it wrote no row (an ON CONFLICT clause skipped it), rather than another row's id.
Result<std::int64_t> inserted_id(Connection& database, Statement& insert);

// Steps a bound statement to its end, appending each row to `rows` as a T made by `read` (a
// callable taking the statement and returning Result<T>), and resets it for the next use. The
// first error from SQLite or from `read` stops the walk and is returned; the rows appended
// before it stay.
template <typename T, typename Read>
Result<void> append_rows(Statement& statement, Read read, std::vector<T>& rows) {
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
  return {};
}

// append_rows() into a new vector with room for `expected_rows` made up front.
template <typename T, typename Read>
Result<std::vector<T>> collect_rows(Statement& statement, Read read, std::size_t expected_rows = 0) {
  std::vector<T> rows;
  rows.reserve(expected_rows);
  if (auto ok = append_rows(statement, read, rows); !ok) return ok.error();
  return rows;
}

// Walks a query's rows page by page, so that no more than `page` rows are ever held at once
// (PostgreSQL's backend fetches a statement's rows whole when it is first stepped): the query
// reads `WHERE key > ?1 ORDER BY key LIMIT ?2` for a unique integer key in column `key_column`,
// and each page starts after the last key read. Rows committed meanwhile show unless the caller
// holds a snapshot (Connection::begin_snapshot). Not thread-safe; must not outlive `statement`,
// which it resets when it ends, fails or is destroyed.
class KeysetPages {
 public:
  KeysetPages(Statement& statement, int key_column, std::int64_t after, std::int64_t page)
      : statement_(&statement), key_column_(key_column), after_(after), page_(page) {}
  KeysetPages(const KeysetPages&) = delete;
  KeysetPages& operator=(const KeysetPages&) = delete;
  ~KeysetPages() { statement_->reset(); }

  // Moves to the next row: true when there is one (read its columns from the statement), false
  // at the end. Errors: the statement's (kIo).
  Result<bool> next();

 private:
  Statement* statement_;
  int key_column_;
  std::int64_t after_;
  std::int64_t page_;
  std::int64_t read_in_page_ = 0;
  bool paging_ = false;  // a page is bound and being stepped
};

}  // namespace recount::storage
