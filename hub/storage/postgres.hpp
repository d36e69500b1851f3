// The one adapter over PostgreSQL (libpqxx): a connection as a storage::Connection, so the hub's
// stores run on PostgreSQL with the SQL they run on SQLite. The hub alone links it; the agent
// never does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"
#include "shared/storage/connection.hpp"

// In recount::storage beside the SQLite adapter: a namespace recount::hub::storage would hide
// that one from the hub's code.
namespace recount::storage {

// `url` (a libpq URI or key=value string) as it may appear in a message or on a terminal: a
// password after "user:" in a URI, or a password= setting, is left out.
std::string url_without_password(std::string_view url);

// One connection to a PostgreSQL database.
//
// Statements are written as for SQLite: `?` and `?N` placeholders become `$N` (outside string
// literals, quoted names and comments); each is prepared on the server when prepare() returns, so
// a typo fails there. A statement's rows are fetched whole when it is first stepped.
//
// Transactions: begin() is BEGIN (READ COMMITTED; rows are locked as they are written),
// begin_snapshot() BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY (every read sees the snapshot
// of its first statement; a write is refused). Commits
// are durable when commit() returns: the session runs with synchronous_commit on, whatever the
// server's default, so an ack sent after a commit stays true. Unlike SQLite, any error inside a
// transaction ends it: the server rolls it back, rollbacks() counts it at once, and every call
// but rollback() is refused (kIo) until the caller rolls back.
//
// Errors: a lost connection is kIo (the transaction, if any, is gone; the next begin() or
// statement outside a transaction connects again); so is a COMMIT whose outcome the lost
// connection hides (the caller does not ack; the device's resend is deduplicated).
// Constraint violations are kConflict, a full disk kStorageFull, anything else kIo. Messages
// name the database and the server's reason.
//
// Not thread-safe: use a connection from one thread at a time. Every call blocks on the server.
class PostgresConnection final : public Connection {
 public:
  // Connects to `url`, a libpq connection URI (postgresql://USER@HOST:PORT/DB, with
  // ?host=/socket/dir for a unix socket) or key=value string. Errors: kUnavailable when the
  // server does not answer or takes no logins now (starting up, shutting down, recovering, out of
  // connection slots), or is not the kind the URL asks for (a standby where
  // target_session_attrs=read-write wants the primary: a failover in progress); kInvalidInput for
  // a malformed URL or a login the server refuses (user, password, database, no right to connect).
  static Result<PostgresConnection> open(const std::string& url);

  PostgresConnection(PostgresConnection&&) noexcept;
  PostgresConnection& operator=(PostgresConnection&&) noexcept;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;
  ~PostgresConnection() override;

  Result<void> execute(std::string_view sql) override;
  Result<Statement> prepare(std::string_view sql) override;
  Result<void> begin() override;
  Result<void> begin_snapshot() override;
  Result<void> commit() override;
  void rollback() noexcept override;
  std::uint64_t rollbacks() const override;
  std::uint64_t reconnections() const override;
  Dialect dialect() const override { return Dialect::kPostgres; }
  // postgresql://USER@HOST:PORT/DB, never the password.
  std::string name() const override;

  struct Session;

 private:
  explicit PostgresConnection(std::shared_ptr<Session> session);
  // Runs `sql`, a BEGIN of some kind, and marks the transaction open.
  Result<void> begin_with(std::string_view sql);
  // Rolls back what is open and closes the connection to the server.
  void close() noexcept;
  // Shared with the statements prepared on it, which may outlive the connection (a ledger's
  // statements are destroyed after its connection when it is moved onto): they then find it
  // closed instead of freed.
  std::shared_ptr<Session> session_;
};

// `sql` with SQLite's placeholders (`?N`, and `?` for one more than the highest so far) written
// as PostgreSQL's `$N`, leaving string literals, quoted names and comments alone; `parameters` is
// set to the highest number used.
std::string postgres_placeholders(std::string_view sql, int& parameters);

}  // namespace recount::storage
