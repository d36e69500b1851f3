// The storage interface every store is written against: a connection (SQLite's Database, or the
// hub's PostgreSQL connection), its prepared statements and transactions, with errors as values.
// A store keeps one copy of its logic and of its SQL; where the dialects truly differ it asks
// dialect() (docs/scale-out.md, "Storage backends").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::storage {

class Statement;

// Which SQL engine a connection speaks. The portable subset (INSERT ... ON CONFLICT, RETURNING,
// COALESCE, CASE, `?N` placeholders) is written once; DDL, locking and engine settings differ.
// kSqlite is spoken by storage::Database alone (shared/storage/sqlite.hpp), so code that needs
// SQLite's own API (a legacy PRAGMA) may cast a kSqlite connection to it.
enum class Dialect { kSqlite, kPostgres };

// What a backend implements for one prepared statement; Statement is the facade stores use.
// Parameters are 1-based, columns 0-based, as in SQLite.
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  // How many rows the last completed write changed.
  virtual std::int64_t changes() const = 0;
  virtual void reset() noexcept = 0;
  virtual std::int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

// One connection to a database. Not thread-safe: use it from one thread at a time.
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one or more statements that return no rows (schema, settings). Errors: kIo (the engine
  // refused, or the connection is lost), kConflict (a constraint), kStorageFull.
  virtual Result<void> execute(std::string_view sql) = 0;

  // Compiles one statement written with `?` or `?N` placeholders. The Statement must not
  // outlive this connection. Errors: kIo (syntax, unknown table or column, lost connection).
  virtual Result<Statement> prepare(std::string_view sql) = 0;

  // Starts a write transaction that holds the database's write lock from its start (SQLite:
  // BEGIN IMMEDIATE; PostgreSQL: BEGIN, rows are locked as written). Prefer Transaction, which
  // rolls back on scope exit. After any error inside a transaction, roll it back: on
  // PostgreSQL an error ends the transaction (SQLite undoes only the failed statement).
  virtual Result<void> begin() = 0;
  // Starts a transaction for reads that all see the database as of one moment, whatever other
  // connections commit meanwhile (SQLite: a deferred BEGIN, whose first read fixes the
  // snapshot in WAL mode; PostgreSQL: BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY). For
  // checks that compare two tables (the audit chain against the events). End it with commit()
  // or rollback(); Transaction::snapshot() does. Errors: kIo, also when a transaction is open.
  virtual Result<void> begin_snapshot() = 0;
  virtual Result<void> commit() = 0;
  virtual void rollback() noexcept = 0;

  // How many transactions of this connection have rolled back since it opened, whoever rolled
  // them back (rollback(), the engine after an I/O error, a lost connection). Memory that
  // mirrors what the database holds compares it with the value it was filled at.
  virtual std::uint64_t rollbacks() const = 0;

  // How many times this connection's owner learned that another process wrote the database since
  // it last wrote (several hubs on one PostgreSQL ledger: hub/cluster/membership.hpp). Memory that
  // mirrors the database compares it too, as it does rollbacks(): what it holds may be stale.
  std::uint64_t written_elsewhere() const { return written_elsewhere_; }
  void note_written_elsewhere() { ++written_elsewhere_; }

  // How many times the connection was made again after it was lost (PostgreSQL; a file is never
  // lost). The server may be another one since: a standby promoted in a failover, which lacks the
  // old primary's last commits unless it replicated them synchronously. Memory that mirrors the
  // database compares it too, and a hub says again to its devices what the ledger holds of them.
  virtual std::uint64_t reconnections() const { return 0; }

  virtual Dialect dialect() const = 0;

  // What the connection is to, for messages: a file's path, or a PostgreSQL URL without its
  // password.
  virtual std::string name() const = 0;

 protected:
  Connection() = default;
  Connection(const Connection&) = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(const Connection&) = default;
  Connection& operator=(Connection&&) noexcept = default;

 private:
  std::uint64_t written_elsewhere_ = 0;
};

// A prepared statement; bind by 1-based index, step, read columns. Reset before rebinding.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementBackend> backend) : backend_(std::move(backend)) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  ~Statement() = default;

  Statement& bind(int index, std::int64_t value) {
    backend_->bind_int(index, value);
    return *this;
  }
  Statement& bind(int index, std::string_view value) {  // bound as TEXT, copied
    backend_->bind_text(index, value);
    return *this;
  }
  // HLC stamps are stored as their packed integer, so they order by < in SQL as in C++. The top
  // bit stays clear until the year 6429, so the 64-bit column never holds a negative stamp.
  Statement& bind(int index, HlcStamp stamp) { return bind(index, static_cast<std::int64_t>(stamp.packed)); }
  Statement& bind_blob(int index, std::string_view bytes) {
    backend_->bind_blob(index, bytes);
    return *this;
  }
  Statement& bind_null(int index) {
    backend_->bind_null(index);
    return *this;
  }
  // Empty strings are stored as NULL, so optional fields read back as empty.
  Statement& bind_optional(int index, std::string_view value) {
    return value.empty() ? bind_null(index) : bind(index, value);
  }

  // Returns true when a row is available, false when the statement is done. On an error the
  // statement is reset.
  Result<bool> step() { return backend_->step(); }
  // Steps a statement that returns no rows and resets it for the next use.
  Result<void> run();
  // The same for an INSERT, UPDATE or DELETE, returning how many rows it wrote (0 for an INSERT
  // that ON CONFLICT DO NOTHING skipped). Cheaper than a RETURNING clause, for which SQLite
  // collects the rows before the first is read.
  Result<std::int64_t> run_counted();
  void reset() noexcept { backend_->reset(); }

  std::int64_t column_int(int index) const { return backend_->column_int(index); }  // 0 for NULL
  HlcStamp column_hlc(int index) const { return HlcStamp{static_cast<std::uint64_t>(column_int(index))}; }
  std::string column_text(int index) const { return backend_->column_text(index); }  // "" for NULL
  bool column_is_null(int index) const { return backend_->column_is_null(index); }

 private:
  std::unique_ptr<StatementBackend> backend_;
};

// Scope guard: begin() (or begin_snapshot()) on creation, rollback() unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& connection);
  static Result<Transaction> snapshot(Connection& connection);
  Transaction(Transaction&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;
};

}  // namespace recount::storage
