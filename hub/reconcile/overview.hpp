// The console's overview (docs/api.md, GET /api/v1/overview): what is open now, by state and by
// age, the value at risk, and the seed's four measures (docs/reconciliation.md, "Metrics") as
// trends over their review periods.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/reconcile/metrics.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

struct OverviewQuery {
  std::string site;  // "" for every site
  std::int64_t now_ms = 0;
};

// Open discrepancies whose age (now − opened_ms) is below max_age_ms (none: any age) and at
// least the bucket before's.
struct AgeBucket {
  std::string label;
  std::optional<std::int64_t> max_age_ms;
  std::int64_t count = 0;
};

// One review period [from_ms, to_ms) of a measure; value is none when nothing happened in it.
struct MeasurePoint {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::optional<double> value;
};

// Value (cents, positive) of shortages adjusted away to close discrepancies in the period, by
// the adjustment's reason code.
struct WriteOffPoint {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::map<std::string, std::int64_t> by_reason;
};

struct Overview {
  std::vector<std::string> sites;                     // every site with positions, by name
  std::map<std::string, std::int64_t> open_by_state;  // active discrepancies per state name
  std::vector<AgeBucket> open_by_age;                 // < 1 day, < 7 days, < 30 days, older
  std::int64_t value_at_risk_cents = 0;               // sum of |value_cents| of the active ones
  // The last kPeriods weeks (Monday 00:00 UTC; the last is the current one): the share of
  // counts that disagreed with the ledger, the mean time from the count that opened a
  // discrepancy to its closing, and from its opening to its closing, of those closed in the week.
  std::vector<MeasurePoint> variance_rate;
  std::vector<MeasurePoint> cycle_time_ms;
  std::vector<MeasurePoint> resolution_time_ms;
  // The last kPeriods calendar months (UTC), the current one last.
  std::vector<WriteOffPoint> write_off_by_reason;
  // When the hub stored the oldest event reconciliation has not applied yet; none when it has
  // applied every one.
  std::optional<std::int64_t> oldest_unapplied_ms;
};

inline constexpr int kOverviewPeriods = 12;

// The start (UTC) of the week (Monday) and of the month that hold `at_ms`, and the start of the
// ones `offset` periods later (negative: earlier).
std::int64_t week_start_ms(std::int64_t at_ms, int offset);
std::int64_t month_start_ms(std::int64_t at_ms, int offset);

// Prepared statements over the reconcile_ tables and the events table. Reads only; blocks on
// SQLite; kIo when it fails. Not thread-safe; must not outlive the Database.
class OverviewReader {
 public:
  static Result<OverviewReader> prepare(storage::Connection& database);

  // Reads per period with `metrics` (the measures MetricsReader defines) and its own SQL.
  Result<Overview> read(const OverviewQuery& query, MetricsReader& metrics);

 private:
  enum class Sql;
  explicit OverviewReader(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  Result<void> read_open(const OverviewQuery& query, Overview& overview);
  Result<void> read_weeks(const OverviewQuery& query, MetricsReader& metrics, Overview& overview);
  Result<void> read_months(const OverviewQuery& query, Overview& overview);

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
