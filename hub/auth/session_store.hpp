// The console's sessions in the hub database's auth_sessions table (component "auth",
// hub/auth/auth_schema.hpp): login makes one for a token, each request resumes it by the cookie's
// value, logout, expiry or revoking the token ends it. Only a SHA-256 of the session id is
// stored, so reading the database does not reveal a usable cookie.
#pragma once

#include <optional>
#include <string_view>

#include "hub/auth/session.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::auth {

// Prepared statements over auth_sessions and auth_tokens. Not thread-safe; must not outlive the
// Database. Every call blocks on SQLite and returns kIo when SQLite fails. Writes run in the
// caller's transaction, if one is open, so they commit with its audit entry.
class SessionStore {
 public:
  // Random bytes in a session id and in a CSRF token: 32, printed as 43 base64url characters.
  static constexpr std::size_t kSecretBytes = 32;
  // A session's last use is written at most this often, so reading pages does not write the
  // database on every request; idle expiry is as exact as this.
  static constexpr std::int64_t kTouchEveryMs = 60'000;

  // Creates or migrates the auth tables and prepares statements. Errors: those of
  // migrate_auth_tables.
  static Result<SessionStore> open(storage::Connection& database, SessionLimits limits = {});

  // Starts a session acting as `principal` (a token that authenticated just now) and forgets the
  // sessions that have ended or expired.
  Result<Session> start(const Principal& principal, std::int64_t now_ms);

  // The session whose id is `id`, as of now_ms, marking it used (its idle expiry moves on);
  // nullopt when no session has that id, or it ended, expired, or its token was revoked. The
  // principal is read from the token each time, so a changed role counts at once.
  Result<std::optional<Session>> resume(std::string_view id, std::int64_t now_ms);

  // Ends the session `id` (logout); one that is unknown or already ended is left as it is.
  Result<void> end(std::string_view id, std::int64_t now_ms);

  const SessionLimits& limits() const { return limits_; }

 private:
  enum class Sql;
  SessionStore(storage::StatementSet<Sql> statements, SessionLimits limits)
      : statements_(std::move(statements)), limits_(limits) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
  SessionLimits limits_;
};

}  // namespace recount::hub::auth
