// Console sessions on a real hub database, SQLite and PostgreSQL: what is stored, sliding idle
// expiry, absolute expiry, logout and revoked tokens.
#include "hub/auth/session_store.hpp"

#include <doctest/doctest.h>

#include "hub/auth/token_store.hpp"
#include "shared/crypto/sha256.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub::auth {
namespace {

constexpr std::int64_t kStartMs = 1'800'000'000'000;
constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;

template <typename Backend>
struct Stores {
  Backend backend;
  TokenStore tokens = TokenStore::open(backend.connection()).value();
  SessionStore sessions = SessionStore::open(backend.connection()).value();
  std::string token = tokens.create("ops-anna", Role::kApprover, 5000, kStartMs).value();

  Session login(std::int64_t now_ms) {
    const auto principal = tokens.authenticate(token).value();
    REQUIRE(principal.has_value());
    return sessions.start(*principal, now_ms).value();
  }
};

TEST_CASE_TEMPLATE("a session acts as its token, and the database keeps only a hash of its id", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session session = stores.login(kStartMs);
  CHECK(session.id.size() == 43);
  CHECK(session.csrf_token.size() == 43);
  CHECK(session.id != session.csrf_token);
  CHECK(session.expires_ms == kStartMs + 8 * kHourMs);

  const auto resumed = stores.sessions.resume(session.id, kStartMs + kMinuteMs).value();
  REQUIRE(resumed.has_value());
  CHECK(resumed->principal.name == "ops-anna");
  CHECK(resumed->principal.role == Role::kApprover);
  CHECK(resumed->principal.approval_limit_cents == 5000);
  CHECK(resumed->csrf_token == session.csrf_token);

  auto stored = stores.backend.connection().prepare("SELECT session_hash FROM auth_sessions").value();
  REQUIRE(stored.step().value());
  CHECK(stored.column_text(0) == sha256_hex(session.id));
  CHECK_FALSE(stores.sessions.resume("not-a-session", kStartMs).value().has_value());
}

TEST_CASE_TEMPLATE("a session idle for 8 hours has expired, and each use moves its idle expiry on", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session session = stores.login(kStartMs);
  // Used every 7 hours, it lives on.
  const auto later = stores.sessions.resume(session.id, kStartMs + 7 * kHourMs).value();
  REQUIRE(later.has_value());
  CHECK(later->expires_ms == kStartMs + 15 * kHourMs);
  CHECK(stores.sessions.resume(session.id, kStartMs + 14 * kHourMs).value().has_value());
  // Then left alone for 8 hours, it is gone.
  CHECK_FALSE(stores.sessions.resume(session.id, kStartMs + 22 * kHourMs).value().has_value());
}

TEST_CASE_TEMPLATE("a session ends 24 hours after login however much it is used", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session session = stores.login(kStartMs);
  for (std::int64_t hour = 4; hour < 24; hour += 4) {
    CHECK(stores.sessions.resume(session.id, kStartMs + hour * kHourMs).value().has_value());
  }
  const auto last = stores.sessions.resume(session.id, kStartMs + 23 * kHourMs).value();
  REQUIRE(last.has_value());
  CHECK(last->expires_ms == kStartMs + 24 * kHourMs);
  CHECK_FALSE(stores.sessions.resume(session.id, kStartMs + 24 * kHourMs).value().has_value());
}

TEST_CASE_TEMPLATE("logout ends a session, and only that one", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session first = stores.login(kStartMs);
  const Session second = stores.login(kStartMs);
  REQUIRE(stores.sessions.end(first.id, kStartMs + kMinuteMs).has_value());
  CHECK_FALSE(stores.sessions.resume(first.id, kStartMs + 2 * kMinuteMs).value().has_value());
  CHECK(stores.sessions.resume(second.id, kStartMs + 2 * kMinuteMs).value().has_value());
  CHECK(stores.sessions.end(first.id, kStartMs + 3 * kMinuteMs).has_value());  // again: nothing to do
}

TEST_CASE_TEMPLATE("revoking the token ends its sessions at once", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session session = stores.login(kStartMs);
  REQUIRE(stores.tokens.revoke("ops-anna", kStartMs + kMinuteMs).has_value());
  CHECK_FALSE(stores.sessions.resume(session.id, kStartMs + 2 * kMinuteMs).value().has_value());
}

TEST_CASE_TEMPLATE("a login forgets the sessions that have ended or expired", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Stores<Backend> stores;
  const Session ended = stores.login(kStartMs);
  REQUIRE(stores.sessions.end(ended.id, kStartMs).has_value());
  stores.login(kStartMs);                // expires by the next login
  stores.login(kStartMs + 9 * kHourMs);  // this one forgets both
  auto rows = stores.backend.connection().prepare("SELECT COUNT(*) FROM auth_sessions").value();
  REQUIRE(rows.step().value());
  CHECK(rows.column_int(0) == 1);
}

}  // namespace
}  // namespace recount::hub::auth
