// PolicyStore: SQL over reconcile_policies.
#include "hub/reconcile/policy_store.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace recount::hub::reconcile {

enum class PolicyStore::Sql { kVersion, kRead, kInsert, kCount };

namespace {

// Indexed by PolicyStore::Sql.
const std::string kSql[] = {
    // kVersion
    "SELECT coalesce(max(version), 0) FROM reconcile_policies",
    // kRead
    "SELECT document, set_ms, actor FROM reconcile_policies WHERE version = ?1",
    // kInsert
    "INSERT INTO reconcile_policies (version, document, set_ms, actor)"
    " VALUES ((SELECT coalesce(max(version), 0) + 1 FROM reconcile_policies), ?1, ?2, ?3) RETURNING version",
};

struct StoredPolicy {
  std::string document;
  std::int64_t set_ms = 0;
  std::string actor;
};

}  // namespace

Result<PolicyStore> PolicyStore::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return PolicyStore(std::move(*statements));
}

Result<std::int64_t> PolicyStore::version() { return single_int(statements_[Sql::kVersion]); }

Result<PolicyInForce> PolicyStore::read(std::int64_t version) {
  if (version == 0) return PolicyInForce{};
  auto stored = collect_rows<StoredPolicy>(
      statements_[Sql::kRead].bind(1, version), [](const storage::Statement& row) -> Result<StoredPolicy> {
        return StoredPolicy{row.column_text(0), row.column_int(1), row.column_text(2)};
      });
  if (!stored) return stored.error();
  if (stored->empty()) return Error{ErrorCode::kNotFound, "", "no stored policy version " + std::to_string(version)};
  auto parsed = parse_policy(stored->front().document);
  if (!parsed) {
    return Error{ErrorCode::kCorrupt, "",
                 "stored policy version " + std::to_string(version) + " does not parse: " + parsed.error().describe()};
  }
  return PolicyInForce{std::move(*parsed), version, stored->front().set_ms, std::move(stored->front().actor)};
}

Result<std::int64_t> PolicyStore::insert(const Policy& policy, std::int64_t set_ms, const std::string& actor) {
  return single_int(statements_[Sql::kInsert].bind(1, encode_policy(policy)).bind(2, set_ms).bind(3, actor));
}

}  // namespace recount::hub::reconcile
