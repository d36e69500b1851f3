// The read-only questions the API, recountctl and reports ask of reconciliation: positions and
// their history, counts, discrepancies, tasks, metrics and the policy in force. Handlers depend
// on this interface, not on the engine; SqliteQueries (sqlite_queries.hpp) answers it from the
// hub's database, and another storage backend or a console would answer or grow it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/reconcile/count_group.hpp"
#include "hub/reconcile/discrepancy.hpp"
#include "hub/reconcile/metrics.hpp"
#include "hub/reconcile/overview.hpp"
#include "hub/reconcile/policy.hpp"
#include "hub/reconcile/position.hpp"
#include "hub/reconcile/snapshots.hpp"
#include "hub/reconcile/tasks.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::reconcile {

struct DiscrepancyDetail {
  Discrepancy discrepancy;
  std::vector<Transition> transitions;
  std::vector<Task> tasks;
  std::vector<CountGroup> counts;      // the position's counts, by time
  std::vector<HistoryEntry> timeline;  // the position's history, as history() gives it
  std::optional<Snapshot> snapshot;    // a connected system's: the report that drives it
};

// Never writes. Calls block on storage; errors are kIo (kCorrupt when stored data no longer
// reads) unless stated. Not thread-safe: call from the thread that runs the writes (the hub's
// io_context), so a read never overlaps a commit.
class Queries {
 public:
  virtual ~Queries() = default;

  // Positions matching the query, by id.
  virtual Result<std::vector<PositionView>> positions(const PositionQuery& query) = 0;
  // The balance of a position as of an HLC stamp; nullopt for a position never seen.
  virtual Result<std::optional<std::int64_t>> expected(const PositionKey& position, HlcStamp hlc) = 0;
  // Movements, counts and zeros of a position in event-time order with the running balance;
  // empty for a position never seen.
  virtual Result<std::vector<HistoryEntry>> history(const PositionKey& position) = 0;
  // The count groups of a position by time; empty for a position never seen.
  virtual Result<std::vector<CountGroup>> counts(const PositionKey& position) = 0;
  // The query's page of matches, in its order.
  virtual Result<std::vector<Discrepancy>> discrepancies(const DiscrepancyQuery& query) = 0;
  // How many discrepancies match the query's filters, whatever its order, offset and limit.
  virtual Result<std::int64_t> discrepancy_count(const DiscrepancyQuery& query) = 0;
  // kNotFound when there is none.
  virtual Result<DiscrepancyDetail> discrepancy(std::int64_t id) = 0;
  // The tasks of a site ("" for every site) that `filter` lets through, newest first, at most
  // `limit`.
  virtual Result<std::vector<Task>> tasks(const std::string& site, TaskFilter filter, std::size_t limit) = 0;
  virtual Result<std::vector<SiteMetrics>> metrics(const MetricsQuery& query) = 0;
  // The discrepancies and measures of the console's overview, as of query.now_ms.
  virtual Result<Overview> overview(const OverviewQuery& query) = 0;
  // The policy in force (the built-in default until one is set), with its version, when it was
  // set and by whom. kCorrupt when the stored document no longer parses.
  virtual Result<PolicyInForce> policy_in_force() = 0;

  // Each connected system of each site that has reported (one site when `site` is not ""): its
  // newest report, the SKUs compared, its open discrepancies (docs/channels.md).
  virtual Result<std::vector<SystemSummary>> systems(const std::string& site) = 0;

 protected:
  Queries() = default;
  Queries(const Queries&) = default;
  Queries(Queries&&) = default;
  Queries& operator=(const Queries&) = default;
  Queries& operator=(Queries&&) = default;
};

}  // namespace recount::hub::reconcile
