// SqliteQueries: each question answered by the store that keeps its tables.
#include "hub/reconcile/sqlite_queries.hpp"

#include <utility>

namespace recount::hub::reconcile {

Result<SqliteQueries> SqliteQueries::prepare(storage::Connection& database) {
  auto positions = ReadModel::prepare(database);
  if (!positions) return positions.error();
  auto discrepancies = DiscrepancyStore::prepare(database);
  if (!discrepancies) return discrepancies.error();
  auto tasks = TaskStore::prepare(database);
  if (!tasks) return tasks.error();
  auto metrics = MetricsReader::prepare(database);
  if (!metrics) return metrics.error();
  auto overview = OverviewReader::prepare(database);
  if (!overview) return overview.error();
  auto policies = PolicyStore::prepare(database);
  if (!policies) return policies.error();
  auto snapshots = SnapshotStore::prepare(database);
  if (!snapshots) return snapshots.error();
  return SqliteQueries(std::move(*positions), std::move(*discrepancies), std::move(*tasks), std::move(*metrics),
                       std::move(*overview), std::move(*policies), std::move(*snapshots));
}

Result<std::vector<PositionView>> SqliteQueries::positions(const PositionQuery& query) {
  return positions_.positions(query);
}

Result<std::optional<std::int64_t>> SqliteQueries::expected(const PositionKey& position, HlcStamp hlc) {
  return positions_.expected(position, hlc);
}

Result<std::vector<HistoryEntry>> SqliteQueries::history(const PositionKey& position) {
  return positions_.history(position);
}

Result<std::vector<CountGroup>> SqliteQueries::counts(const PositionKey& position) {
  return positions_.counts(position);
}

Result<std::vector<Discrepancy>> SqliteQueries::discrepancies(const DiscrepancyQuery& query) {
  return discrepancies_.list(query);
}

Result<std::int64_t> SqliteQueries::discrepancy_count(const DiscrepancyQuery& query) {
  return discrepancies_.count(query);
}

Result<DiscrepancyDetail> SqliteQueries::discrepancy(std::int64_t id) {
  auto discrepancy = discrepancies_.get(id);
  if (!discrepancy) return discrepancy.error();
  auto transitions = discrepancies_.transitions(id);
  if (!transitions) return transitions.error();
  auto tasks = tasks_.tasks_of(id);
  if (!tasks) return tasks.error();
  auto counts = positions_.groups_at(discrepancy->position_id);
  if (!counts) return counts.error();
  auto timeline = positions_.history(discrepancy->position);
  if (!timeline) return timeline.error();
  std::optional<Snapshot> snapshot;
  if (discrepancy->snapshot_id) {
    auto found = snapshots_.get(*discrepancy->snapshot_id);
    if (!found) return found.error();
    snapshot = std::move(*found);
  }
  return DiscrepancyDetail{std::move(*discrepancy), std::move(*transitions), std::move(*tasks),
                           std::move(*counts),      std::move(*timeline),    std::move(snapshot)};
}

Result<std::vector<SystemSummary>> SqliteQueries::systems(const std::string& site) {
  return snapshots_.summaries(site);
}

Result<std::vector<Task>> SqliteQueries::tasks(const std::string& site, TaskFilter filter, std::size_t limit) {
  return tasks_.tasks(site, filter, limit);
}

Result<std::vector<SiteMetrics>> SqliteQueries::metrics(const MetricsQuery& query) { return metrics_.read(query); }

Result<Overview> SqliteQueries::overview(const OverviewQuery& query) { return overview_.read(query, metrics_); }

Result<PolicyInForce> SqliteQueries::policy_in_force() {
  auto version = policies_.version();
  if (!version) return version.error();
  return policies_.read(*version);
}

}  // namespace recount::hub::reconcile
