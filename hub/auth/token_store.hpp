// The operators' API tokens (docs/api.md "Authentication"), in the hub database's auth_tokens
// table, which this class owns and migrates: only a SHA-256 of each token is stored, so reading
// the database does not reveal a usable token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/auth/role.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::auth {

struct TokenInfo {
  std::string name;
  Role role = Role::kViewer;
  std::optional<std::int64_t> approval_limit_cents;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> revoked_ms;
};

// Prepared statements over auth_tokens. Not thread-safe; must not outlive the Database. Every call
// blocks on SQLite (the busy timeout covers another process writing) and returns kIo when SQLite
// fails. Writes run in the caller's transaction, if one is open, so they commit with its audit
// entry.
class TokenStore {
 public:
  // Random bytes in a token: 32, printed as 43 base64url characters.
  static constexpr std::size_t kTokenBytes = 32;

  // Creates or migrates the auth tables (migrate_auth_tables, hub/auth/auth_schema.hpp) and
  // prepares statements. Errors: kUnsupportedVersion when a newer hub made them, kIo.
  static Result<TokenStore> open(storage::Connection& database);

  // Makes a new random token for `name` and returns it; only its hash is stored. Errors:
  // kInvalidInput naming "--name" (1..64 of [A-Za-z0-9_-]) or "--approval-limit" (negative);
  // kConflict when a token of that name exists, revoked or not (an audited name means one token).
  Result<std::string> create(const std::string& name, Role role, std::optional<std::int64_t> approval_limit_cents,
                             std::int64_t now_ms);

  // Who `token` belongs to; nullopt for a token that is unknown or revoked.
  Result<std::optional<Principal>> authenticate(std::string_view token);

  // Every token ever made, by name.
  Result<std::vector<TokenInfo>> list();

  // Revokes the token of `name` from now on. Errors: kNotFound when there is none; kConflict when
  // it is already revoked.
  Result<void> revoke(const std::string& name, std::int64_t now_ms);

 private:
  enum class Sql;
  explicit TokenStore(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::auth
