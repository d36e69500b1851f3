// The read-only queries (queries.hpp) answered from the reconcile_ tables in the hub's database
// (SQLite's file or PostgreSQL: the statements are written once, in the SQL both engines read).
#pragma once

#include "hub/reconcile/discrepancy_store.hpp"
#include "hub/reconcile/metrics.hpp"
#include "hub/reconcile/overview.hpp"
#include "hub/reconcile/policy_store.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/reconcile/read_model.hpp"
#include "hub/reconcile/tasks.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub::reconcile {

// Its own prepared statements on the Database the Reconciler writes; reads see what the
// connection's transactions committed (or, inside one, wrote so far). Not thread-safe; must not
// outlive the Database.
class SqliteQueries final : public Queries {
 public:
  // Prepares the statements over tables that migrate_reconcile() (Reconciler::open) made: kIo
  // when the engine refuses, as it does before the migration. Blocks.
  static Result<SqliteQueries> prepare(storage::Connection& database);

  Result<std::vector<PositionView>> positions(const PositionQuery& query) override;
  Result<std::optional<std::int64_t>> expected(const PositionKey& position, HlcStamp hlc) override;
  Result<std::vector<HistoryEntry>> history(const PositionKey& position) override;
  Result<std::vector<CountGroup>> counts(const PositionKey& position) override;
  Result<std::vector<Discrepancy>> discrepancies(const DiscrepancyQuery& query) override;
  Result<std::int64_t> discrepancy_count(const DiscrepancyQuery& query) override;
  Result<DiscrepancyDetail> discrepancy(std::int64_t id) override;
  Result<std::vector<Task>> tasks(const std::string& site, TaskFilter filter, std::size_t limit) override;
  Result<std::vector<SiteMetrics>> metrics(const MetricsQuery& query) override;
  Result<Overview> overview(const OverviewQuery& query) override;
  Result<PolicyInForce> policy_in_force() override;
  Result<std::vector<SystemSummary>> systems(const std::string& site) override;

 private:
  SqliteQueries(ReadModel positions, DiscrepancyStore discrepancies, TaskStore tasks, MetricsReader metrics,
                OverviewReader overview, PolicyStore policies, SnapshotStore snapshots)
      : positions_(std::move(positions)),
        discrepancies_(std::move(discrepancies)),
        tasks_(std::move(tasks)),
        metrics_(std::move(metrics)),
        overview_(std::move(overview)),
        policies_(std::move(policies)),
        snapshots_(std::move(snapshots)) {}

  ReadModel positions_;
  DiscrepancyStore discrepancies_;  // read only here
  TaskStore tasks_;                 // read only here
  MetricsReader metrics_;
  OverviewReader overview_;
  PolicyStore policies_;     // read only here
  SnapshotStore snapshots_;  // read only here
};

}  // namespace recount::hub::reconcile
