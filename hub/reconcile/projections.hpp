// The write side of reconciliation's event-time state: on-hand per position, every movement in event-time
// order, and count groups with their expected quantity kept current as late events arrive.
//
// Event time is the event's HLC stamp, ties broken by event_id. HLC rather than wall_ms because
// a device's stamps never go backwards (its wall clock may, after an NTP step) and every stamp
// follows what the device learnt from the hub, so "the count saw this receipt" survives skewed
// clocks; stamps stay within milliseconds of wall time, so windows are still in milliseconds.
// A movement with the same stamp as a count is taken to precede it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/projection_memory.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// How an event is applied: when it arrived, when the groups it changes are due to be judged,
// and the ambiguity window that decides which groups a movement may have made ambiguous.
struct Timing {
  std::int64_t received_ms = 0;
  std::int64_t due_ms = 0;
  std::int64_t window_ms = 0;
};

// Adjustments the hub makes to resolve a discrepancy carry this prefix and the discrepancy id in
// their reference. They correct the books, not the shelf, so they make no count ambiguous.
inline constexpr std::string_view kDiscrepancyReferencePrefix = "discrepancy:";

// Whether stock moved on the floor: every movement except baselines and the hub's own
// discrepancy adjustments.
bool is_physical(const Event& event);

// A span of milliseconds in HLC stamp units (stamps keep milliseconds above a 16-bit counter).
constexpr std::int64_t window_in_stamps(std::int64_t window_ms) { return window_ms << 16; }

// Prepared statements that write the reconcile_ position, movement, count-group and close tables
// of a migrated database (schema.hpp), and the reads that writing and judging need. The API's
// reads are in read_model.hpp, the settling queue and judgements in judgements.hpp. Writes run
// inside the caller's transaction. Every call blocks on SQLite and returns kIo when SQLite fails
// (kCorrupt when a row holds a name this build does not know). Not thread-safe; must not outlive
// the Database.
class Projections {
 public:
  static Result<Projections> prepare(storage::Connection& database);

  // Applies one event of `site` recorded by `device` ("" for the hub). Movements (receive,
  // putaway, move, adjust, sale, ship) change positions and shift the expected quantity of
  // exactly the groups at their position whose time is at or after theirs (up to a later
  // baseline, which absorbs them); physical ones also mark the groups within the window as
  // needing judgement. A baseline sets the balance as of its time. Counts join their group;
  // location_closed creates the zeros it implies; one that answers an open recount task (the
  // caller checked) passes the task's position as `task_position`, which gets a zero for the
  // task whatever the ledger expected there. task_ack and snapshot change nothing here.
  // Applying an event already applied (same event_id) changes nothing, so a caller may pass
  // duplicates; it must not pass a different event that reuses an event_id.
  Result<void> apply(const std::string& site, const std::string& device, const Event& event, const Timing& timing,
                     std::optional<std::int64_t> task_position = std::nullopt);

  // The balance of a position as of `hlc` (movements at or before it). Costs one read of the
  // movements after `hlc`, which for counts near now is a handful.
  Result<std::int64_t> expected_at(std::int64_t position_id, HlcStamp hlc);
  // Whether a physical movement lies within window_ms of [first_hlc, last_hlc].
  Result<bool> moved_near(std::int64_t position_id, HlcStamp first_hlc, HlcStamp last_hlc, std::int64_t window_ms);

  Result<std::optional<std::int64_t>> find_position(const PositionKey& key);
  Result<CountGroup> group(std::int64_t group_id);  // kNotFound when there is none

  // Marks a group to be judged at due_ms (or later, when it is marked for later already).
  Result<void> mark_dirty(std::int64_t group_id, std::int64_t due_ms, const Cause& cause);

 private:
  enum class Sql;
  Projections(storage::Connection& database, storage::StatementSet<Sql> statements, ProjectionMemory memory)
      : database_(&database), statements_(std::move(statements)), memory_(std::move(memory)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  static constexpr std::int64_t kNoStamp = ProjectionMemory::kNoStamp;

  struct Stamp {
    std::int64_t hlc = 0;
    std::string event_id;
  };

  Result<std::int64_t> ensure_position(const std::string& site, const std::string& location, const Event& event);
  Result<bool> insert_movement(std::int64_t position_id, const Event& event, const std::string& device,
                               std::int64_t delta);
  // Applies one position's side of a movement; false when the event was applied before.
  Result<bool> apply_leg(const std::string& site, const std::string& device, const Event& event,
                         const std::string& location, std::int64_t delta, const Timing& timing);
  Result<void> apply_baseline(const std::string& site, const std::string& device, const Event& event,
                              const Timing& timing);
  Result<void> add_delta(const std::string& site, const std::string& location, std::int64_t position_id,
                         const Event& event, std::int64_t delta, const Cause& cause, const Timing& timing);
  Result<void> apply_count(const std::string& site, const std::string& device, const Event& event,
                           const Timing& timing);
  // Adds the count to its group's counts; false when it was there already.
  Result<bool> insert_count(const Event& event, std::int64_t group_id, const std::string& device);
  Result<void> apply_close(const std::string& site, const std::string& device, const Event& event, const Timing& timing,
                           std::optional<std::int64_t> task_position);
  // Makes or moves the zero that a close at `close_hlc` implies for a position without counts in
  // the session. kIfExpected: only where the ledger expects stock (an ordinary close);
  // kAlways: a recount task's close.
  enum class ZeroRule { kIfExpected, kAlways };
  Result<void> close_position(std::int64_t position_id, const std::string& task_id, const std::string& session_key,
                              std::int64_t close_hlc, const std::string& user, ZeroRule rule, const Cause& cause,
                              const Timing& timing);
  // The latest close (stamp and user) of a session at a location; ordinary closes only.
  struct LatestClose {
    std::int64_t hlc = 0;
    std::string user;
  };
  Result<std::optional<LatestClose>> latest_close(const std::string& site, const std::string& location,
                                                  const std::string& session_key);
  Result<std::optional<Stamp>> next_baseline(std::int64_t position_id, std::int64_t hlc, const std::string& event_id);
  Result<std::optional<std::int64_t>> find_group(std::int64_t position_id, const std::string& task_id,
                                                 const std::string& session_key);
  Result<std::int64_t> insert_group(const CountGroup& group);
  Result<void> write_group(const CountGroup& group);

  storage::Connection* database_;
  storage::StatementSet<Sql> statements_;
  ProjectionMemory memory_;
};

}  // namespace recount::hub::reconcile
