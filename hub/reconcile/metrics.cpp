// Metrics: aggregates over count groups and discrepancies.
#include "hub/reconcile/metrics.hpp"

#include <map>

namespace recount::hub::reconcile {

enum class MetricsReader::Sql { kCounts, kDiscrepancies, kCount };

namespace {

// Indexed by MetricsReader::Sql. A group's time is its HLC stamp, whose top 48 bits are
// milliseconds.
const std::string kSql[] = {
    // kCounts. A count whose discrepancy the hub adjusted reads as exact afterwards (the adjustment
    // takes effect as of the count), yet it found the ledger wrong: it stays a variance here.
    "SELECT p.site, count(*), sum(g.variance = 0 AND NOT corrected),"
    " sum(g.verdict = 'accepted' AND g.variance <> 0), sum(g.verdict = 'ambiguous'),"
    " sum(g.verdict IN ('out_of_tolerance', 'uom_error') OR (g.variance = 0 AND corrected))"
    " FROM (SELECT g.*, coalesce(d.adjust_qty, 0) <> 0 AS corrected FROM reconcile_groups g"
    "       LEFT JOIN reconcile_discrepancies d ON d.id = g.discrepancy_id) g"
    " JOIN reconcile_positions p ON p.id = g.position_id"
    " WHERE g.verdict IS NOT NULL AND g.verdict <> 'void' AND (?1 = '' OR p.site = ?1)"
    " AND (g.last_hlc >> 16) >= ?2 AND (g.last_hlc >> 16) < ?3 GROUP BY p.site",
    // kDiscrepancies
    "SELECT site, sum(opened_ms >= ?2 AND opened_ms < ?3), sum(closed_ms >= ?2 AND closed_ms < ?3),"
    " sum(CASE WHEN closed_ms >= ?2 AND closed_ms < ?3 AND adjust_value_cents < 0 THEN -adjust_value_cents"
    " ELSE 0 END),"
    " sum(CASE WHEN closed_ms >= ?2 AND closed_ms < ?3 AND adjust_value_cents > 0 THEN adjust_value_cents"
    " ELSE 0 END),"
    " avg(CASE WHEN closed_ms >= ?2 AND closed_ms < ?3 THEN closed_ms - opened_ms END)"
    " FROM reconcile_discrepancies WHERE (?1 = '' OR site = ?1) GROUP BY site",
};

}  // namespace

Result<MetricsReader> MetricsReader::prepare(storage::Database& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return MetricsReader(std::move(*statements));
}

Result<std::vector<SiteMetrics>> MetricsReader::read(const MetricsQuery& query) {
  std::map<std::string, SiteMetrics> sites;
  auto& counts = statements_[Sql::kCounts];
  counts.bind(1, query.site).bind(2, query.from_ms).bind(3, query.to_ms);
  auto counted = collect_rows<bool>(counts, [&sites](const storage::Statement& row) -> Result<bool> {
    SiteMetrics& site = sites[row.column_text(0)];
    site.counts = row.column_int(1);
    site.exact = row.column_int(2);
    site.within_tolerance = row.column_int(3);
    site.ambiguous = row.column_int(4);
    site.out_of_tolerance = row.column_int(5);
    return true;
  });
  if (!counted) return counted.error();
  auto& discrepancies = statements_[Sql::kDiscrepancies];
  discrepancies.bind(1, query.site).bind(2, query.from_ms).bind(3, query.to_ms);
  auto listed = collect_rows<bool>(discrepancies, [&sites](const storage::Statement& row) -> Result<bool> {
    const std::int64_t opened = row.column_int(1);
    const std::int64_t closed = row.column_int(2);
    if (opened == 0 && closed == 0 && !sites.contains(row.column_text(0))) return false;
    SiteMetrics& site = sites[row.column_text(0)];
    site.discrepancies_opened = opened;
    site.discrepancies_closed = closed;
    site.write_off_cents = row.column_int(3);
    site.found_cents = row.column_int(4);
    if (!row.column_is_null(5)) site.mean_resolution_ms = row.column_int(5);
    return true;
  });
  if (!listed) return listed.error();
  std::vector<SiteMetrics> result;
  for (auto& [name, site] : sites) {
    site.site = name;
    if (site.counts > 0)
      site.variance_rate = static_cast<double>(site.counts - site.exact) / static_cast<double>(site.counts);
    result.push_back(std::move(site));
  }
  return result;
}

}  // namespace recount::hub::reconcile
