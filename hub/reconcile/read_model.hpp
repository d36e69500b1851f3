// The read side of the projections (projections.hpp writes them): positions, a position's
// history and count groups, and its balance as of a time, as the API and reports show them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// Sets late_ms of each entry (in event-time order) that arrived after an entry later in event
// time: its arrived_ms − wall_ms. Entries without arrived_ms are neither late nor compared.
void mark_late(std::vector<HistoryEntry>& entries);

// Prepared queries over the reconcile_ projection tables of a migrated database (schema.hpp).
// Never writes. Every call blocks on SQLite and returns kIo when SQLite fails (kCorrupt when a
// row holds a name this build does not know). Not thread-safe; must not outlive the Database.
class ReadModel {
 public:
  static Result<ReadModel> prepare(storage::Connection& database);

  // Positions matching the query, by id.
  Result<std::vector<PositionView>> positions(const PositionQuery& query);
  // The balance of a position as of an HLC stamp (movements at the stamp included); nullopt for
  // a position never seen.
  Result<std::optional<std::int64_t>> expected(const PositionKey& key, HlcStamp hlc);
  // Movements, counts and zeros of a position in event-time order with the running balance and
  // when each arrived (mark_late); empty for an unknown position.
  Result<std::vector<HistoryEntry>> history(const PositionKey& key);
  // The count groups of a position, by last_hlc then id; empty for an unknown position.
  Result<std::vector<CountGroup>> counts(const PositionKey& key);
  Result<std::vector<CountGroup>> groups_at(std::int64_t position_id);

 private:
  enum class Sql;
  explicit ReadModel(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
