// Console sessions in SQLite: ids and CSRF tokens, expiry and lookups.
#include "hub/auth/session_store.hpp"

#include <algorithm>
#include <array>

#include "hub/auth/auth_schema.hpp"
#include "shared/crypto/random.hpp"
#include "shared/crypto/sha256.hpp"

namespace recount::hub::auth {

enum class SessionStore::Sql { kInsert, kForget, kResume, kTouch, kEnd, kCount };

Result<SessionStore> SessionStore::open(storage::Connection& database, SessionLimits limits) {
  if (auto ok = migrate_auth_tables(database); !ok) return ok.error();
  constexpr std::array<std::string_view, static_cast<std::size_t>(Sql::kCount)> kSql = {
      "INSERT INTO auth_sessions (session_hash, token_name, csrf_token, created_ms, last_used_ms)"
      " VALUES (?1, ?2, ?3, ?4, ?4)",
      // ?1: now − idle, ?2: now − absolute.
      "DELETE FROM auth_sessions WHERE ended_ms IS NOT NULL OR last_used_ms <= ?1 OR created_ms <= ?2",
      "SELECT s.csrf_token, s.created_ms, s.last_used_ms, t.name, t.role, t.approval_limit_cents"
      " FROM auth_sessions s JOIN auth_tokens t ON t.name = s.token_name"
      " WHERE s.session_hash = ?1 AND s.ended_ms IS NULL AND t.revoked_ms IS NULL",
      "UPDATE auth_sessions SET last_used_ms = ?2 WHERE session_hash = ?1",
      "UPDATE auth_sessions SET ended_ms = ?2 WHERE session_hash = ?1 AND ended_ms IS NULL",
  };
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return SessionStore(std::move(*statements), limits);
}

Result<Session> SessionStore::start(const Principal& principal, std::int64_t now_ms) {
  if (auto forgot =
          statement(Sql::kForget).bind(1, now_ms - limits_.idle_ms).bind(2, now_ms - limits_.absolute_ms).run();
      !forgot) {
    return forgot.error();
  }
  Session session{crypto::random_token(kSecretBytes), principal, crypto::random_token(kSecretBytes),
                  now_ms + std::min(limits_.idle_ms, limits_.absolute_ms)};
  auto& insert = statement(Sql::kInsert);
  insert.bind(1, sha256_hex(session.id)).bind(2, principal.name).bind(3, session.csrf_token).bind(4, now_ms);
  if (auto ok = insert.run(); !ok) return ok.error();
  return session;
}

Result<std::optional<Session>> SessionStore::resume(std::string_view id, std::int64_t now_ms) {
  const std::string hash = sha256_hex(id);
  auto& lookup = statement(Sql::kResume);
  lookup.bind(1, hash);
  auto row = lookup.step();
  if (!row || !*row) {
    lookup.reset();
    if (!row) return row.error();
    return std::optional<Session>();
  }
  const std::string csrf_token = lookup.column_text(0);
  const std::int64_t created_ms = lookup.column_int(1);
  std::int64_t last_used_ms = lookup.column_int(2);
  const std::string name = lookup.column_text(3);
  const auto role = parse_role(lookup.column_text(4));
  std::optional<std::int64_t> limit;
  if (!lookup.column_is_null(5)) limit = lookup.column_int(5);
  lookup.reset();
  // A role this program does not know (a newer hub's) grants nothing, as for a token.
  if (!role || now_ms >= last_used_ms + limits_.idle_ms || now_ms >= created_ms + limits_.absolute_ms) {
    return std::optional<Session>();
  }
  if (now_ms - last_used_ms >= kTouchEveryMs) {
    if (auto ok = statement(Sql::kTouch).bind(1, hash).bind(2, now_ms).run(); !ok) return ok.error();
    last_used_ms = now_ms;
  }
  return std::optional(Session{std::string(id), Principal{name, *role, limit}, csrf_token,
                               std::min(last_used_ms + limits_.idle_ms, created_ms + limits_.absolute_ms)});
}

Result<void> SessionStore::end(std::string_view id, std::int64_t now_ms) {
  return statement(Sql::kEnd).bind(1, sha256_hex(id)).bind(2, now_ms).run();
}

}  // namespace recount::hub::auth
