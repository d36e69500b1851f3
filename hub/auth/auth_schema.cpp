// The auth component's migration steps.
#include "hub/auth/auth_schema.hpp"

#include <iterator>
#include <string_view>

#include "shared/storage/migrations.hpp"

namespace recount::hub::auth {
namespace {

// Step i takes the auth tables from version i to i + 1. Append; never edit one that has shipped.
const storage::MigrationStep kSteps[] = {
    {R"sql(
-- token_hash: SHA-256 hex of the token; the token itself is shown once and never stored.
-- approval_limit_cents NULL: the role's limit applies. revoked_ms NULL: in use.
CREATE TABLE auth_tokens (
  name                 TEXT    PRIMARY KEY,
  role                 TEXT    NOT NULL,
  approval_limit_cents INTEGER,
  token_hash           TEXT    NOT NULL UNIQUE,
  created_ms           INTEGER NOT NULL,
  revoked_ms           INTEGER
);
)sql"},
    {R"sql(
-- The console's sessions (hub/auth/session_store.hpp). session_hash: SHA-256 hex of the cookie's
-- value, which is never stored. A session acts as its token: revoking the token ends it.
-- last_used_ms moves with use (idle expiry); ended_ms is set at logout.
CREATE TABLE auth_sessions (
  session_hash TEXT    PRIMARY KEY,
  token_name   TEXT    NOT NULL REFERENCES auth_tokens (name),
  csrf_token   TEXT    NOT NULL,
  created_ms   INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL,
  ended_ms     INTEGER
);
)sql"},
};

// The auth tables on PostgreSQL at version 2, in its types (INTEGER is 32-bit there: BIGINT).
constexpr std::string_view kPostgresAuth = R"sql(
CREATE TABLE auth_tokens (
  name                 TEXT   PRIMARY KEY,
  role                 TEXT   NOT NULL,
  approval_limit_cents BIGINT,
  token_hash           TEXT   NOT NULL UNIQUE,
  created_ms           BIGINT NOT NULL,
  revoked_ms           BIGINT
);
CREATE TABLE auth_sessions (
  session_hash TEXT   PRIMARY KEY,
  token_name   TEXT   NOT NULL REFERENCES auth_tokens (name),
  csrf_token   TEXT   NOT NULL,
  created_ms   BIGINT NOT NULL,
  last_used_ms BIGINT NOT NULL,
  ended_ms     BIGINT
);
)sql";

}  // namespace

storage::SchemaComponent auth_schema() {
  return {"auth",
          "recount",
          {std::begin(kSteps), std::end(kSteps)},
          [](storage::Database& opened) {
            // Before schema_versions the token tables kept their version in auth_meta.
            return storage::legacy_meta_version(opened, "auth_meta", "schema_version");
          },
          storage::SchemaComponent::Postgres{2, kPostgresAuth}};
}

// The hub and recountctl may both open a new database: storage::migrate takes care of that.
Result<void> migrate_auth_tables(storage::Connection& database) {
  const storage::SchemaComponent components[] = {auth_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub::auth
