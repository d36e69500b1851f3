// Count plans (docs/investigation.md, "Count plans"): which positions each plan selects, and for
// each, the count that is due now, overdue, or done in the current period. Due counts are derived
// from the positions and the time of their latest count, so there is no state to keep in step:
// any count of a position whose event time is on or after a due count's opening satisfies it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/catalog_view.hpp"
#include "hub/reconcile/policy.hpp"
#include "hub/reconcile/position.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// What a plan needs to know of one position of a site.
struct PlanPosition {
  PositionKey key;
  std::int64_t on_hand = 0;
  std::int64_t unit_cost_cents = 0;
  std::string location_class;  // "" when the location has none
  // The latest count of the position (a count group: a session's counts, a recount's or a
  // location_closed zero): its event time and group id; nullopt when never counted.
  std::optional<std::int64_t> last_count_ms;
  std::optional<std::int64_t> last_group_id;
};

// Each SKU of the positions (one site's) with its ABC class: SKUs ranked by unit cost × units on
// hand (negative balances count as none), largest first, ties by SKU; A while the value ranked
// above it is under a_percent of the total, B while under a_percent + b_percent, else C. A SKU
// worth nothing is C.
std::map<std::string, AbcClass, std::less<>> abc_classes(const std::vector<PlanPosition>& positions,
                                                         const AbcThresholds& thresholds);

enum class DueState { kDue, kOverdue, kDone };

std::string_view to_string(DueState state);

// One plan's count of one position. The count opened at opened_ms (the start of a period of the
// plan) and is due by due_ms (the period's end): overdue once now has passed due_ms without a
// count since opened_ms; done when a count at or after the current period's opening satisfies it.
struct DueCount {
  std::string plan;
  std::string owner;
  PositionKey position;
  AbcClass abc = AbcClass::kC;
  std::string location_class;
  std::int64_t opened_ms = 0;
  std::int64_t due_ms = 0;
  DueState state = DueState::kDue;
  std::optional<std::int64_t> counted_ms;  // done: the satisfying count's event time
  std::optional<std::int64_t> group_id;    // done: its count group

  bool operator==(const DueCount&) const = default;
};

// Whether `plan` selects a position of `site` with this class and location class.
bool selects(const CountPlan& plan, std::string_view site, AbcClass abc, std::string_view location_class);

// The count each plan of `policy` asks of each position of `site` it selects, as of now_ms: due,
// overdue or done in the current period. A plan whose start is after now asks nothing yet.
// Ordered most overdue first (earliest due_ms), then by plan and position. Pure.
std::vector<DueCount> evaluate_plans(const Policy& policy, std::string_view site,
                                     const std::vector<PlanPosition>& positions, std::int64_t now_ms);

// The most planned counts a site's task list carries (docs/protocol.md §9).
inline constexpr std::size_t kMaxPlannedTasks = 50;

// The open (due or overdue) counts of `due` as the tasks of kind planned that a site's devices
// get, in `due`'s order (evaluate_plans(): most overdue first), at most `limit`. A task's id is
// "pc-" and 24 hex digits of the SHA-256 of its plan, position and opening, so it stays the same
// while the count is open and a new period brings a new one; created_ms is the opening; the hint
// names the plan and its owner (the owner only when it is a valid code). No quantity is carried. Pure.
std::vector<protocol::RecountTask> planned_tasks(const std::vector<DueCount>& due, std::size_t limit);

// Reads the positions of a site with what evaluate_plans() needs: one pass over the site's
// positions and the latest count group of each. Not thread-safe: call on the thread that runs
// the hub's writes; `catalog` must outlive it.
class PlanPositions {
 public:
  // kIo when the statements cannot be prepared.
  static Result<PlanPositions> prepare(storage::Connection& database, const CatalogView& catalog);

  // The sites that have positions, in order. Errors kIo.
  Result<std::vector<std::string>> sites();
  // Every position of `site` (none for a site never seen). Errors kIo.
  Result<std::vector<PlanPosition>> of_site(const std::string& site);

  enum class Sql;

 private:
  PlanPositions(storage::StatementSet<Sql> statements, const CatalogView& catalog)
      : statements_(std::move(statements)), catalog_(&catalog) {}

  storage::StatementSet<Sql> statements_;
  const CatalogView* catalog_;
};

}  // namespace recount::hub::reconcile
