// API tokens on a real hub database, SQLite and PostgreSQL: only a hash is stored, names are never
// reused, and a revoked token authenticates no one.
#include "hub/auth/token_store.hpp"

#include <doctest/doctest.h>

#include "shared/crypto/sha256.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub::auth {
namespace {

constexpr std::int64_t kStartMs = 1'800'000'000'000;

TEST_CASE_TEMPLATE("a token authenticates as its name and role, and the database keeps only its hash", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  Backend backend;
  auto tokens = TokenStore::open(backend.connection()).value();
  const auto token = tokens.create("ops-anna", Role::kApprover, 5000, kStartMs).value();
  const auto viewer = tokens.create("wall-screen", Role::kViewer, std::nullopt, kStartMs + 1).value();
  CHECK(token.size() == 43);

  const auto anna = tokens.authenticate(token).value();
  REQUIRE(anna.has_value());
  CHECK(anna->name == "ops-anna");
  CHECK(anna->role == Role::kApprover);
  CHECK(anna->approval_limit_cents == 5000);
  CHECK(tokens.authenticate(viewer).value()->approval_limit_cents == std::nullopt);
  CHECK_FALSE(tokens.authenticate("not-a-token").value().has_value());

  auto stored = backend.connection().prepare("SELECT token_hash FROM auth_tokens WHERE name = 'ops-anna'").value();
  REQUIRE(stored.step().value());
  CHECK(stored.column_text(0) == sha256_hex(token));

  const auto listed = tokens.list().value();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].name == "ops-anna");
  CHECK(listed[0].created_ms == kStartMs);
  CHECK(listed[1].name == "wall-screen");
  CHECK(listed[1].revoked_ms == std::nullopt);
}

TEST_CASE_TEMPLATE("a name is never reused, and a revoked token authenticates no one", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  Backend backend;
  auto tokens = TokenStore::open(backend.connection()).value();
  const auto token = tokens.create("ops-anna", Role::kAdmin, std::nullopt, kStartMs).value();
  auto again = tokens.create("ops-anna", Role::kViewer, std::nullopt, kStartMs);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(tokens.create("bad name", Role::kViewer, std::nullopt, kStartMs).error().code == ErrorCode::kInvalidInput);

  REQUIRE(tokens.revoke("ops-anna", kStartMs + 10).has_value());
  CHECK_FALSE(tokens.authenticate(token).value().has_value());
  CHECK(tokens.list().value().at(0).revoked_ms == kStartMs + 10);
  CHECK(tokens.revoke("ops-anna", kStartMs + 20).error().code == ErrorCode::kConflict);
  CHECK(tokens.revoke("nobody", kStartMs + 20).error().code == ErrorCode::kNotFound);
  CHECK(tokens.create("ops-anna", Role::kAdmin, std::nullopt, kStartMs + 30).error().code == ErrorCode::kConflict);
}

}  // namespace
}  // namespace recount::hub::auth
