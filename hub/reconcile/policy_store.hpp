// The stored tolerance policies (reconcile_policies): every version put in force, with who set it
// and when. The newest version is the one in force; none means the built-in default.
#pragma once

#include <cstdint>
#include <string>

#include "hub/reconcile/policy.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// Prepared statements over reconcile_policies of a migrated database (schema.hpp). Writes run in
// the caller's transaction. Every call blocks on SQLite; kIo when it fails. Not thread-safe; must
// not outlive the Database.
class PolicyStore {
 public:
  static Result<PolicyStore> prepare(storage::Connection& database);

  // The version in force; 0 when no policy was ever stored. One indexed read.
  Result<std::int64_t> version();
  // The policy of `version` with who set it and when; the built-in default for version 0.
  // kCorrupt when the stored document no longer parses; kNotFound for a version never stored.
  Result<PolicyInForce> read(std::int64_t version);
  // Stores `policy` as the next version, set at `set_ms` by `actor`; returns that version.
  Result<std::int64_t> insert(const Policy& policy, std::int64_t set_ms, const std::string& actor);

 private:
  enum class Sql;
  explicit PolicyStore(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
