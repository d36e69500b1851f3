// The settling side of the projections: which count groups are due to be judged, recording
// their judgements, and the whole-table passes and repairs of a re-evaluation. The projections'
// write side (projections.hpp) marks groups due as events change them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/rules.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

struct DueGroup {
  std::int64_t group_id = 0;
  Cause cause;
};

// Everything about one position, for a full re-evaluation.
struct PositionScan {
  PositionView position;
  struct Movement {
    HlcStamp hlc;
    std::int64_t delta = 0;
    bool physical = false;
  };
  std::vector<Movement> movements;  // event-time order
  std::vector<CountGroup> groups;   // by last_hlc
};

// Prepared statements over the reconcile_ tables of a migrated database (schema.hpp). Writes
// run inside the caller's transaction. Every call blocks on SQLite and returns kIo when SQLite
// fails (kCorrupt when a row holds a name this build does not know). Not thread-safe; must not
// outlive the Database.
class Judgements {
 public:
  static Result<Judgements> prepare(storage::Connection& database);

  // The groups due at `now_ms` of the positions of the `marks` groups marked due earliest:
  // positions in order of id, each one's groups in order of time so its newest is judged last.
  // Bounded, so a commit that judges a few groups of a long backlog reads no more than those.
  Result<std::vector<DueGroup>> due(std::int64_t now_ms, std::size_t marks);
  // The earliest time a marked group is due; nullopt when none is marked.
  Result<std::optional<std::int64_t>> next_due();
  Result<void> clear_dirty(std::int64_t group_id);
  Result<void> record(std::int64_t group_id, GroupRole role, const Judgement& judgement, bool ambiguous,
                      std::int64_t window_ms, std::int64_t settled_ms);
  Result<void> link(std::int64_t group_id, std::int64_t discrepancy_id);

  Result<bool> counted_by(std::int64_t group_id, const std::string& user);
  // The newest group (by time) of the position that is neither void nor refused.
  Result<std::optional<std::int64_t>> newest_lead(std::int64_t position_id);

  // Sets a group's expected quantity (used by a full re-evaluation that found it wrong).
  Result<void> repair_expected(std::int64_t group_id, std::int64_t expected);
  Result<void> repair_on_hand(std::int64_t position_id, std::int64_t on_hand);

  // Calls `visit` for every position with its movements and groups, streaming in id order:
  // one pass over all three tables. `visit` must not write to the database: collect changes and
  // apply them afterwards.
  Result<void> scan(const std::function<Result<void>(const PositionScan&)>& visit);
  // Calls `visit` for every count group, streaming by position and time, without reading
  // movements. `visit` may read (Projections::expected_at, moved_near) but must not write.
  Result<void> scan_groups(const std::function<Result<void>(const CountGroup&)>& visit);

 private:
  enum class Sql;
  explicit Judgements(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
