// DiscrepancyStore: the discrepancy records and every transition of the lifecycle that
// discrepancy.hpp defines, in reconcile_discrepancies and reconcile_transitions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/reconcile/actor.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/position.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// Prepared statements over reconcile_discrepancies and reconcile_transitions. Writes run in the
// caller's transaction. Every call blocks on SQLite; kIo when SQLite fails, kCorrupt when a row
// holds a name this build does not know. Not thread-safe; must not outlive the Database.
class DiscrepancyStore {
 public:
  static Result<DiscrepancyStore> prepare(storage::Connection& database);

  // Records a new discrepancy in state kOpen, with its opening transition, and returns its id.
  // kConflict when the position already has an active one.
  Result<std::int64_t> open(std::int64_t position_id, const std::string& site, const Figures& figures,
                            const std::string& first_user, std::int64_t at_ms, const Actor& actor,
                            const std::string& cause, const std::string& cause_event_id);

  // Records a connected system's discrepancy in state kOpen, driven by the snapshot
  // `snapshot_id` (figures.group_id is ignored), with its opening transition; returns its id.
  // The caller keeps one active per subject (active_for_subject()).
  Result<std::int64_t> open_for_snapshot(const std::string& system, const std::string& site, std::int64_t snapshot_id,
                                         const Figures& figures, std::int64_t at_ms, const Actor& actor,
                                         const std::string& cause, const std::string& cause_event_id);
  // A connected system's discrepancy takes the figures of `snapshot_id`, the subject's newest
  // report or its newest judgement.
  Result<void> follow_snapshot(std::int64_t id, std::int64_t snapshot_id, const Figures& figures, std::int64_t at_ms);
  // The active discrepancy of a system's subject (site, location, SKU of `subject`; lot unused).
  Result<std::optional<std::int64_t>> active_for_subject(const std::string& system, const PositionKey& subject);

  // Moves to `to` (aborting if may_transition() forbids it) and appends the transition.
  // Closing takes the resolution; other steps pass Resolution::kNone. Returns the transition.
  Result<Transition> transition(std::int64_t id, DiscrepancyState to, Resolution resolution, std::int64_t at_ms,
                                const Actor& actor, const std::string& cause, const std::string& cause_event_id);

  Result<void> update_figures(std::int64_t id, const Figures& figures, std::int64_t at_ms);
  Result<void> set_round(std::int64_t id, std::uint32_t round);
  Result<void> record_adjustment(std::int64_t id, const std::string& event_id, std::int64_t qty,
                                 std::int64_t value_cents, ReasonCode reason);

  Result<Discrepancy> get(std::int64_t id);  // kNotFound when there is none
  Result<std::optional<std::int64_t>> active_at(std::int64_t position_id);
  // The query's page of matches in its order. The SQL of each shape of query (which filters
  // are set, the order) is prepared once and kept.
  Result<std::vector<Discrepancy>> list(const DiscrepancyQuery& query);
  // How many match the query's filters (its order, offset and limit aside).
  Result<std::int64_t> count(const DiscrepancyQuery& query);
  Result<std::vector<Transition>> transitions(std::int64_t id);  // by seq

 private:
  enum class Sql;
  static constexpr std::size_t kMaxCachedListings = 256;

  DiscrepancyStore(storage::Connection& database, storage::StatementSet<Sql> statements)
      : database_(&database), statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }
  Result<Transition> append_transition(std::int64_t id, std::optional<DiscrepancyState> from, DiscrepancyState to,
                                       std::int64_t at_ms, const Actor& actor, const std::string& cause,
                                       const std::string& cause_event_id);

  Result<storage::Statement*> cached(const std::string& sql);

  storage::Connection* database_;
  storage::StatementSet<Sql> statements_;
  std::map<std::string, storage::Statement> listings_;  // by SQL text
};

}  // namespace recount::hub::reconcile
