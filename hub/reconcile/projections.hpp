// The event-time state of reconciliation: on-hand per position, every movement in event-time
// order, and count groups with their expected quantity kept current as late events arrive.
//
// Event time is the event's HLC stamp, ties broken by event_id. HLC rather than wall_ms because
// a device's stamps never go backwards (its wall clock may, after an NTP step) and every stamp
// follows what the device learnt from the hub, so "the count saw this receipt" survives skewed
// clocks; stamps stay within milliseconds of wall time, so windows are still in milliseconds.
// A movement with the same stamp as a count is taken to precede it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/reconcile/actor.hpp"
#include "hub/reconcile/rules.hpp"
#include "hub/reconcile/statement_set.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

struct PositionKey {
  std::string site;
  std::string location;
  std::string sku;
  std::string lot;  // "" when not lot-tracked

  auto operator<=>(const PositionKey&) const = default;
};

struct PositionView {
  std::int64_t id = 0;
  PositionKey key;
  std::int64_t on_hand = 0;
  std::int64_t movements = 0;  // movement legs recorded at the position

  bool operator==(const PositionView&) const = default;
};

struct PositionQuery {
  std::string site;  // "" for every site
  std::string sku;   // "" for every SKU
  std::int64_t after_id = 0;
  std::size_t limit = 1000;
};

// How a count group takes part in the recount loop, decided when it is first settled.
enum class GroupRole {
  kCount,    // an ordinary count (or a task's count that no longer answers an open task)
  kRecount,  // answers an open recount task
  kRefused,  // carries a task id but includes a count by the user the task excludes
};

std::string_view to_string(GroupRole role);
std::optional<GroupRole> parse_group_role(std::string_view text);

// The counts of one position in one session (they add up), of one recount task by one user, or
// a location_closed zero. Zero groups have no counts and stand at the session's latest close.
struct CountGroup {
  std::int64_t id = 0;
  std::int64_t position_id = 0;
  PositionKey position;
  std::string task_id;      // "" for an ordinary count
  std::string session_key;  // "session:<id>", "event:<event id>" (no session), "user:<user>" (tasks)
  std::int64_t counts = 0;  // count events; 0 for a location_closed zero
  std::int64_t counted = 0;
  std::int64_t first_hlc = 0;
  std::int64_t last_hlc = 0;               // the group's time: expected is the balance as of this stamp
  std::optional<std::int64_t> closed_hlc;  // zero groups: the session's latest close
  std::string first_user;                  // who counted first (or closed, for a zero)
  std::int64_t expected = 0;
  // Judged when settled:
  std::optional<GroupRole> role;
  std::optional<Verdict> verdict;
  bool ambiguous = false;
  std::optional<std::int64_t> judged_window_ms;  // the ambiguity window `ambiguous` was decided under
  std::int64_t variance = 0;
  std::int64_t value_cents = 0;
  std::optional<std::int64_t> discrepancy_id;
  std::int64_t received_ms = 0;
  std::optional<std::int64_t> settled_ms;

  // A location_closed zero where the ledger expected nothing either: not an observation.
  bool is_void() const { return counts == 0 && task_id.empty() && expected == 0; }
};

enum class CauseKind { kCount, kMovement, kClose, kReevaluation };
std::string_view to_string(CauseKind kind);
std::optional<CauseKind> parse_cause_kind(std::string_view text);

// What last changed a group that waits to be settled.
struct Cause {
  CauseKind kind = CauseKind::kCount;
  std::string event_id;
  Actor actor;
};

struct DueGroup {
  std::int64_t group_id = 0;
  Cause cause;
};

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

// One line of a position's history in event-time order.
struct HistoryEntry {
  std::int64_t hlc = 0;
  std::string event_id;
  std::string type;  // the event type, or "location_closed" for a zero the close implied
  std::int64_t wall_ms = 0;
  std::int64_t qty = 0;      // as recorded: units moved, counted, or the baseline's balance
  std::int64_t delta = 0;    // effect on the balance (0 for counts)
  std::int64_t balance = 0;  // the balance after this line
  std::string device;
  std::string user;
  std::string reason;
  std::string reference;
  std::string session;
  std::string task_id;
  std::optional<std::int64_t> group_id;  // counts and zeros: the group they belong to
};

// Everything about one position, for a full re-evaluation.
struct PositionScan {
  PositionView position;
  struct Movement {
    std::int64_t hlc = 0;
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
class Projections {
 public:
  static Result<Projections> prepare(storage::Database& database);

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
  Result<std::int64_t> expected_at(std::int64_t position_id, std::int64_t hlc);
  // Whether a physical movement lies within window_ms of [first_hlc, last_hlc].
  Result<bool> moved_near(std::int64_t position_id, std::int64_t first_hlc, std::int64_t last_hlc,
                          std::int64_t window_ms);

  Result<std::optional<std::int64_t>> find_position(const PositionKey& key);
  Result<CountGroup> group(std::int64_t group_id);                      // kNotFound when there is none
  Result<std::vector<CountGroup>> groups_at(std::int64_t position_id);  // by last_hlc, then id
  Result<bool> counted_by(std::int64_t group_id, const std::string& user);
  // The newest group (by time) of the position that is neither void nor refused.
  Result<std::optional<std::int64_t>> newest_lead(std::int64_t position_id);

  // Settling: the groups due at `now_ms`, ordered by position and time so a position's newest
  // group is judged last; recording a judgement; clearing and setting the dirty mark.
  Result<std::vector<DueGroup>> due(std::int64_t now_ms);
  // The earliest time a marked group is due; nullopt when none is marked.
  Result<std::optional<std::int64_t>> next_due();
  Result<void> record(std::int64_t group_id, GroupRole role, const Judgement& judgement, bool ambiguous,
                      std::int64_t window_ms, std::int64_t settled_ms);
  Result<void> link(std::int64_t group_id, std::int64_t discrepancy_id);
  Result<void> mark_dirty(std::int64_t group_id, std::int64_t due_ms, const Cause& cause);
  Result<void> clear_dirty(std::int64_t group_id);
  // Sets a group's expected quantity (used by a full re-evaluation that found it wrong).
  Result<void> repair_expected(std::int64_t group_id, std::int64_t expected);
  Result<void> repair_on_hand(std::int64_t position_id, std::int64_t on_hand);

  // Positions matching the query, by id.
  Result<std::vector<PositionView>> positions(const PositionQuery& query);
  // Movements, counts and zeros of a position in event-time order with the running balance;
  // empty for an unknown position.
  Result<std::vector<HistoryEntry>> history(const PositionKey& key);
  // Calls `visit` for every position with its movements and groups, streaming in id order:
  // one pass over all three tables. `visit` must not write to the database: collect changes and
  // apply them afterwards.
  Result<void> scan(const std::function<Result<void>(const PositionScan&)>& visit);
  // Calls `visit` for every count group, streaming by position and time, without reading
  // movements. `visit` may read (expected_at, moved_near) but must not write.
  Result<void> scan_groups(const std::function<Result<void>(const CountGroup&)>& visit);

 private:
  enum class Sql;
  Projections(storage::Database& database, StatementSet<Sql> statements)
      : database_(&database), statements_(std::move(statements)) {}
  storage::Statement& statement(Sql which) { return statements_[which]; }

  static constexpr std::int64_t kNoStamp = std::numeric_limits<std::int64_t>::min();

  // Upper bounds on the stamps of what a position holds (kNoStamp: nothing of that kind). Most
  // events on a live floor are newer than all three, and then the statements that find or shift
  // later rows have nothing to do and are not run.
  struct Bounds {
    std::int64_t newest_movement = kNoStamp;
    std::int64_t newest_baseline = kNoStamp;
    std::int64_t newest_group = kNoStamp;  // the highest last_hlc of the position's count groups
  };

  // What the projections remember between calls: position ids by key, bounds by position id,
  // and the newest close stamp by site and location. Ids never change once written and bounds
  // stay true as rows are added, so only a rollback can make it wrong: it is dropped whenever
  // the database has rolled back since it was filled. Each map is also dropped when it reaches
  // kMaxRemembered entries, so memory stays bounded on a hub with millions of positions; what is
  // needed again is read back from the tables.
  struct Memory {
    static constexpr std::size_t kMaxRemembered = 1 << 18;
    std::uint64_t rollbacks = 0;                        // Database::rollbacks() when it was last known to be right
    std::unordered_map<std::string, std::int64_t> ids;  // by position_key_of()
    std::unordered_map<std::int64_t, Bounds> bounds;
    std::unordered_map<std::string, std::int64_t> newest_close;  // by location_key_of()
    std::string key;                                             // scratch for building lookup keys without allocating
  };
  // The memory, emptied first when a rollback may have undone what it holds.
  Memory& memory();
  Result<Bounds> bounds_of(std::int64_t position_id);
  Result<std::int64_t> newest_close(const std::string& site, const std::string& location);
  // Record rows just written, for positions and locations that are remembered.
  void note_movement(std::int64_t position_id, const Event& event);
  void note_group(std::int64_t position_id, std::int64_t last_hlc);
  void note_close(const std::string& site, const std::string& location, std::int64_t hlc);

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
                         const Event& event, std::int64_t delta, bool physical, const Cause& cause,
                         const Timing& timing);
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

  storage::Database* database_;
  StatementSet<Sql> statements_;
  Memory memory_;
};

}  // namespace recount::hub::reconcile
