// API tokens in SQLite: hashing and lookups.
#include "hub/auth/token_store.hpp"

#include <array>

#include "hub/auth/auth_schema.hpp"
#include "shared/crypto/random.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub::auth {
namespace {

std::optional<std::int64_t> optional_int(const storage::Statement& statement, int column) {
  if (statement.column_is_null(column)) return std::nullopt;
  return statement.column_int(column);
}

}  // namespace

enum class TokenStore::Sql { kInsert, kByHash, kList, kRevoke, kRevokedAt, kCount };

Result<TokenStore> TokenStore::open(storage::Connection& database) {
  if (auto ok = migrate_auth_tables(database); !ok) return ok.error();
  constexpr std::array<std::string_view, static_cast<std::size_t>(Sql::kCount)> kSql = {
      "INSERT INTO auth_tokens (name, role, approval_limit_cents, token_hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT (name) DO NOTHING",
      "SELECT name, role, approval_limit_cents FROM auth_tokens WHERE token_hash = ?1 AND revoked_ms IS NULL",
      "SELECT name, role, approval_limit_cents, created_ms, revoked_ms FROM auth_tokens ORDER BY name",
      "UPDATE auth_tokens SET revoked_ms = ?2 WHERE name = ?1 AND revoked_ms IS NULL",
      "SELECT revoked_ms FROM auth_tokens WHERE name = ?1",
  };
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return TokenStore(std::move(*statements));
}

Result<std::string> TokenStore::create(const std::string& name, Role role,
                                       std::optional<std::int64_t> approval_limit_cents, std::int64_t now_ms) {
  if (auto ok = validate_identifier("--name", name); !ok) return ok.error();
  if (approval_limit_cents && *approval_limit_cents < 0) {
    return invalid("--approval-limit", "must be a number of cents from 0");
  }
  std::string token = crypto::random_token(kTokenBytes);
  auto& insert = statement(Sql::kInsert);
  insert.bind(1, name).bind(2, to_string(role));
  if (approval_limit_cents) {
    insert.bind(3, *approval_limit_cents);
  } else {
    insert.bind_null(3);
  }
  insert.bind(4, sha256_hex(token)).bind(5, now_ms);
  auto inserted = insert.run_counted();
  if (!inserted) return inserted.error();
  if (*inserted == 0) {
    return Error{ErrorCode::kConflict, "--name",
                 "a token named '" + name + "' already exists (names are never reused: pick another)"};
  }
  return token;
}

Result<std::optional<Principal>> TokenStore::authenticate(std::string_view token) {
  auto& lookup = statement(Sql::kByHash);
  lookup.bind(1, sha256_hex(token));
  auto row = lookup.step();
  if (!row) {
    lookup.reset();
    return row.error();
  }
  std::optional<Principal> principal;
  if (*row) {
    // A role this program does not know (a newer hub's) grants nothing.
    if (const auto role = parse_role(lookup.column_text(1))) {
      principal = Principal{lookup.column_text(0), *role, optional_int(lookup, 2)};
    }
  }
  lookup.reset();
  return principal;
}

Result<std::vector<TokenInfo>> TokenStore::list() {
  auto& select = statement(Sql::kList);
  std::vector<TokenInfo> tokens;
  while (true) {
    auto row = select.step();
    if (!row) {
      select.reset();
      return row.error();
    }
    if (!*row) break;
    const auto role = parse_role(select.column_text(1));
    tokens.push_back(TokenInfo{select.column_text(0), role.value_or(Role::kViewer), optional_int(select, 2),
                               select.column_int(3), optional_int(select, 4)});
  }
  select.reset();
  return tokens;
}

Result<void> TokenStore::revoke(const std::string& name, std::int64_t now_ms) {
  auto revoked = statement(Sql::kRevoke).bind(1, name).bind(2, now_ms).run_counted();
  if (!revoked) return revoked.error();
  if (*revoked == 1) return {};
  auto& known = statement(Sql::kRevokedAt);
  known.bind(1, name);
  auto row = known.step();
  known.reset();
  if (!row) return row.error();
  if (!*row) return Error{ErrorCode::kNotFound, "name", "no token is named '" + name + "'"};
  return Error{ErrorCode::kConflict, "name", "the token '" + name + "' is already revoked"};
}

}  // namespace recount::hub::auth
