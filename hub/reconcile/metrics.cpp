// Metrics: aggregates over count groups and discrepancies.
#include "hub/reconcile/metrics.hpp"

#include <map>

namespace recount::hub::reconcile {

enum class MetricsReader::Sql { kCounts, kDiscrepancies, kCount };

namespace {

// Indexed by MetricsReader::Sql. A group's time is its HLC stamp, whose top 48 bits are
// milliseconds. Each statement reads [?2, ?3) once and buckets its rows into periods of ?4 ms
// from ?2: one pass however many periods the caller wants.
const std::string kSql[] = {
    // kCounts. A count whose discrepancy the hub adjusted reads as exact afterwards (the adjustment
    // takes effect as of the count), yet it found the ledger wrong: it stays a variance here.
    // Conditions are counted through CASE: PostgreSQL does not sum booleans.
    "SELECT p.site, ((g.last_hlc >> 16) - ?2) / ?4, count(*), sum(CASE WHEN g.variance = 0 AND NOT corrected"
    " THEN 1 ELSE 0 END), sum(CASE WHEN g.verdict = 'accepted' AND g.variance <> 0 THEN 1 ELSE 0 END),"
    " sum(CASE WHEN g.verdict = 'ambiguous' THEN 1 ELSE 0 END),"
    " sum(CASE WHEN g.verdict IN ('out_of_tolerance', 'uom_error') OR (g.variance = 0 AND corrected)"
    " THEN 1 ELSE 0 END)"
    " FROM (SELECT g.*, coalesce(d.adjust_qty, 0) <> 0 AS corrected FROM reconcile_groups g"
    "       LEFT JOIN reconcile_discrepancies d ON d.id = g.discrepancy_id) g"
    " JOIN reconcile_positions p ON p.id = g.position_id"
    " WHERE g.verdict IS NOT NULL AND g.verdict <> 'void' AND (?1 = '' OR p.site = ?1)"
    " AND (g.last_hlc >> 16) >= ?2 AND (g.last_hlc >> 16) < ?3 GROUP BY 1, 2",
    // kDiscrepancies: the openings and the closings each from their own index range (opened_ms,
    // closed_ms), told apart by the third column.
    "SELECT site, (opened_ms - ?2) / ?4, 0, count(*), 0, 0, NULL FROM reconcile_discrepancies"
    " WHERE opened_ms >= ?2 AND opened_ms < ?3 AND (?1 = '' OR site = ?1) GROUP BY 1, 2"
    " UNION ALL"
    " SELECT site, (closed_ms - ?2) / ?4, 1, count(*),"
    " sum(CASE WHEN adjust_value_cents < 0 THEN -adjust_value_cents ELSE 0 END),"
    " sum(CASE WHEN adjust_value_cents > 0 THEN adjust_value_cents ELSE 0 END), avg(closed_ms - opened_ms)"
    " FROM reconcile_discrepancies WHERE closed_ms >= ?2 AND closed_ms < ?3 AND (?1 = '' OR site = ?1)"
    " GROUP BY 1, 2",
};

std::vector<SiteMetrics> listed(std::map<std::string, SiteMetrics>& sites) {
  std::vector<SiteMetrics> result;
  for (auto& [name, site] : sites) {
    site.site = name;
    if (site.counts > 0)
      site.variance_rate = static_cast<double>(site.counts - site.exact) / static_cast<double>(site.counts);
    result.push_back(std::move(site));
  }
  return result;
}

}  // namespace

Result<MetricsReader> MetricsReader::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return MetricsReader(std::move(*statements));
}

Result<std::vector<SiteMetrics>> MetricsReader::read(const MetricsQuery& query) {
  auto periods = read_periods(query.site, query.from_ms, query.to_ms - query.from_ms, 1);
  if (!periods) return periods.error();
  return std::move(periods->front());
}

Result<std::vector<std::vector<SiteMetrics>>> MetricsReader::read_periods(const std::string& site, std::int64_t from_ms,
                                                                          std::int64_t period_ms, int periods) {
  // By period, then by site. The statements' WHERE keeps every row's period in [0, periods).
  std::vector<std::map<std::string, SiteMetrics>> buckets(static_cast<std::size_t>(periods));
  const auto bucket = [&buckets](const storage::Statement& row) -> std::map<std::string, SiteMetrics>& {
    return buckets[static_cast<std::size_t>(row.column_int(1))];
  };
  const std::int64_t to_ms = from_ms + period_ms * periods;
  auto& counts = statements_[Sql::kCounts];
  counts.bind(1, site).bind(2, from_ms).bind(3, to_ms).bind(4, period_ms);
  auto counted = collect_rows<bool>(counts, [&bucket](const storage::Statement& row) -> Result<bool> {
    SiteMetrics& metrics = bucket(row)[row.column_text(0)];
    metrics.counts = row.column_int(2);
    metrics.exact = row.column_int(3);
    metrics.within_tolerance = row.column_int(4);
    metrics.ambiguous = row.column_int(5);
    metrics.out_of_tolerance = row.column_int(6);
    return true;
  });
  if (!counted) return counted.error();
  auto& discrepancies = statements_[Sql::kDiscrepancies];
  discrepancies.bind(1, site).bind(2, from_ms).bind(3, to_ms).bind(4, period_ms);
  auto read = collect_rows<bool>(discrepancies, [&bucket](const storage::Statement& row) -> Result<bool> {
    SiteMetrics& metrics = bucket(row)[row.column_text(0)];
    if (row.column_int(2) == 0) {
      metrics.discrepancies_opened = row.column_int(3);
      return true;
    }
    metrics.discrepancies_closed = row.column_int(3);
    metrics.write_off_cents = row.column_int(4);
    metrics.found_cents = row.column_int(5);
    metrics.mean_resolution_ms = row.column_int(6);
    return true;
  });
  if (!read) return read.error();
  std::vector<std::vector<SiteMetrics>> result;
  result.reserve(buckets.size());
  for (auto& sites : buckets) result.push_back(listed(sites));
  return result;
}

}  // namespace recount::hub::reconcile
