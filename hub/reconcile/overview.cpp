// Overview: the open discrepancies now, and the measures per week and month.
#include "hub/reconcile/overview.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace recount::hub::reconcile {

enum class OverviewReader::Sql { kSites, kOpenByState, kOpenByAge, kCycleTime, kWriteOff, kOldestUnapplied, kCount };

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kWeekMs = 7 * kDayMs;

// The UTC month "YYYY-MM" of a column of milliseconds: the one expression the engines spell
// differently (SQLite's strftime; PostgreSQL's to_char of a timestamp).
std::string month_of(storage::Dialect dialect, std::string_view column_ms) {
  const std::string seconds = std::string(column_ms) + " / 1000";
  return dialect == storage::Dialect::kSqlite ? "strftime('%Y-%m', " + seconds + ", 'unixepoch')"
                                              : "to_char(to_timestamp(" + seconds + ") AT TIME ZONE 'UTC', 'YYYY-MM')";
}

// Indexed by OverviewReader::Sql (StatementSet checks the count). ?1 is the site or '' for every
// site.
std::array<std::string, 6> sql_for(storage::Dialect dialect) {
  return {
      // kSites
      "SELECT DISTINCT site FROM reconcile_positions WHERE ?1 = '' OR site = ?1 ORDER BY site",
      // kOpenByState
      "SELECT state, count(*) FROM reconcile_discrepancies WHERE closed_ms IS NULL AND (?1 = '' OR site = ?1)"
      " GROUP BY state ORDER BY state",
      // kOpenByAge: ?2 now; opened after now − N is younger than N. Conditions are counted through
      // CASE (PostgreSQL does not sum booleans); the cast keeps ?2 from taking the literals' type.
      "SELECT coalesce(sum(CASE WHEN opened_ms > CAST(?2 AS BIGINT) - 86400000 THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN opened_ms <= ?2 - 86400000 AND opened_ms > ?2 - 604800000 THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN opened_ms <= ?2 - 604800000 AND opened_ms > ?2 - 2592000000 THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN opened_ms <= ?2 - 2592000000 THEN 1 ELSE 0 END), 0), coalesce(sum(abs(value_cents)), 0)"
      " FROM reconcile_discrepancies WHERE closed_ms IS NULL AND (?1 = '' OR site = ?1)",
      // kCycleTime: per week from ?2 (to ?3), the mean from the opening count's first scan (a
      // location_closed zero has none: when the hub got it) to the closing.
      "SELECT (d.closed_ms - ?2) / 604800000, avg(d.closed_ms - coalesce((SELECT min(c.wall_ms) FROM reconcile_counts c"
      " WHERE c.group_id = d.origin_group_id), g.received_ms)) FROM reconcile_discrepancies d"
      " JOIN reconcile_groups g ON g.id = d.origin_group_id"
      " WHERE d.closed_ms >= ?2 AND d.closed_ms < ?3 AND (?1 = '' OR d.site = ?1) GROUP BY 1",
      // kWriteOff: per month (UTC) from ?2 to ?3, shortages adjusted away by reason.
      "SELECT " + month_of(dialect, "closed_ms") +
          ", adjust_reason, sum(-adjust_value_cents)"
          " FROM reconcile_discrepancies WHERE closed_ms >= ?2 AND closed_ms < ?3 AND adjust_value_cents < 0"
          " AND (?1 = '' OR site = ?1) GROUP BY 1, 2",
      // kOldestUnapplied: events are stored in rowid order; those past applied_through wait.
      "SELECT min(received_ms) FROM events WHERE rowid > (SELECT value FROM reconcile_meta"
      " WHERE name = 'applied_through')",
  };
}

std::chrono::sys_days day_of(std::int64_t at_ms) {
  return std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(at_ms)));
}

std::int64_t ms_of(std::chrono::sys_days day) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count();
}

// "YYYY-MM" of a month start, as month_of() writes it.
std::string month_name(std::int64_t month_start) {
  const std::chrono::year_month_day date(day_of(month_start));
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()));
  return text;
}

}  // namespace

std::int64_t week_start_ms(std::int64_t at_ms, int offset) {
  const std::chrono::sys_days day = day_of(at_ms);
  const std::chrono::sys_days monday = day - (std::chrono::weekday(day) - std::chrono::Monday);
  return ms_of(monday + std::chrono::weeks(offset));
}

std::int64_t month_start_ms(std::int64_t at_ms, int offset) {
  const std::chrono::year_month_day date(day_of(at_ms));
  const std::chrono::year_month month = date.year() / date.month() + std::chrono::months(offset);
  return ms_of(std::chrono::sys_days(month / 1));
}

Result<OverviewReader> OverviewReader::prepare(storage::Connection& database) {
  auto statements = storage::StatementSet<Sql>::prepare(database, sql_for(database.dialect()));
  if (!statements) return statements.error();
  return OverviewReader(std::move(*statements));
}

Result<Overview> OverviewReader::read(const OverviewQuery& query, MetricsReader& metrics) {
  Overview overview;
  auto sites = collect_rows<std::string>(
      statements_[Sql::kSites].bind(1, query.site),
      [](const storage::Statement& row) -> Result<std::string> { return row.column_text(0); });
  if (!sites) return sites.error();
  overview.sites = std::move(*sites);
  if (auto ok = read_open(query, overview); !ok) return ok.error();
  if (auto ok = read_weeks(query, metrics, overview); !ok) return ok.error();
  if (auto ok = read_months(query, overview); !ok) return ok.error();
  auto oldest = first_int(statements_[Sql::kOldestUnapplied]);
  if (!oldest) return oldest.error();
  overview.oldest_unapplied_ms = *oldest;
  return overview;
}

Result<void> OverviewReader::read_open(const OverviewQuery& query, Overview& overview) {
  auto states = collect_rows<bool>(statements_[Sql::kOpenByState].bind(1, query.site),
                                   [&overview](const storage::Statement& row) -> Result<bool> {
                                     overview.open_by_state[row.column_text(0)] = row.column_int(1);
                                     return true;
                                   });
  if (!states) return states.error();
  auto ages = collect_rows<bool>(statements_[Sql::kOpenByAge].bind(1, query.site).bind(2, query.now_ms),
                                 [&overview](const storage::Statement& row) -> Result<bool> {
                                   overview.open_by_age = {{"< 1 day", kDayMs, row.column_int(0)},
                                                           {"1-7 days", kWeekMs, row.column_int(1)},
                                                           {"7-30 days", 30 * kDayMs, row.column_int(2)},
                                                           {">= 30 days", std::nullopt, row.column_int(3)}};
                                   overview.value_at_risk_cents = row.column_int(4);
                                   return true;
                                 });
  if (!ages) return ages.error();
  return {};
}

Result<void> OverviewReader::read_weeks(const OverviewQuery& query, MetricsReader& metrics, Overview& overview) {
  const std::int64_t first = week_start_ms(query.now_ms, 1 - kOverviewPeriods);
  const std::int64_t end = week_start_ms(query.now_ms, 1);
  // Weeks (UTC) are all kWeekMs long, so one read buckets them all.
  auto weeks = metrics.read_periods(query.site, first, kWeekMs, kOverviewPeriods);
  if (!weeks) return weeks.error();
  for (int period = 0; period < kOverviewPeriods; ++period) {
    const std::int64_t from = week_start_ms(first, period);
    const std::int64_t to = week_start_ms(first, period + 1);
    const std::vector<SiteMetrics>& sites = (*weeks)[static_cast<std::size_t>(period)];
    // Across sites: the rate of all counts, the mean of all closings (each site's mean weighted
    // by how many it closed).
    std::int64_t counts = 0;
    std::int64_t disagreed = 0;
    std::int64_t closed = 0;
    double resolution_sum = 0;
    for (const SiteMetrics& site : sites) {
      counts += site.counts;
      disagreed += site.counts - site.exact;
      if (site.mean_resolution_ms) {
        closed += site.discrepancies_closed;
        resolution_sum +=
            static_cast<double>(*site.mean_resolution_ms) * static_cast<double>(site.discrepancies_closed);
      }
    }
    MeasurePoint rate{from, to, std::nullopt};
    if (counts > 0) rate.value = static_cast<double>(disagreed) / static_cast<double>(counts);
    overview.variance_rate.push_back(rate);
    MeasurePoint resolution{from, to, std::nullopt};
    if (closed > 0) resolution.value = resolution_sum / static_cast<double>(closed);
    overview.resolution_time_ms.push_back(resolution);
    overview.cycle_time_ms.push_back(MeasurePoint{from, to, std::nullopt});
  }
  auto& cycle = statements_[Sql::kCycleTime];
  auto cycled = collect_rows<bool>(cycle.bind(1, query.site).bind(2, first).bind(3, end),
                                   [&overview](const storage::Statement& row) -> Result<bool> {
                                     const std::int64_t week = row.column_int(0);
                                     if (week >= 0 && week < kOverviewPeriods && !row.column_is_null(1)) {
                                       overview.cycle_time_ms[static_cast<std::size_t>(week)].value =
                                           static_cast<double>(row.column_int(1));
                                     }
                                     return true;
                                   });
  if (!cycled) return cycled.error();
  return {};
}

Result<void> OverviewReader::read_months(const OverviewQuery& query, Overview& overview) {
  const std::int64_t first = month_start_ms(query.now_ms, 1 - kOverviewPeriods);
  std::map<std::string, std::size_t> index;
  for (int period = 0; period < kOverviewPeriods; ++period) {
    const std::int64_t from = month_start_ms(first, period);
    index[month_name(from)] = overview.write_off_by_reason.size();
    overview.write_off_by_reason.push_back(WriteOffPoint{from, month_start_ms(first, period + 1), {}});
  }
  auto& write_off = statements_[Sql::kWriteOff];
  write_off.bind(1, query.site).bind(2, first).bind(3, month_start_ms(query.now_ms, 1));
  auto read = collect_rows<bool>(write_off, [&](const storage::Statement& row) -> Result<bool> {
    const auto found = index.find(row.column_text(0));
    if (found != index.end()) {
      overview.write_off_by_reason[found->second].by_reason[row.column_text(1)] = row.column_int(2);
    }
    return true;
  });
  if (!read) return read.error();
  return {};
}

}  // namespace recount::hub::reconcile
