// Per-site reconciliation metrics (DESIGN §6): how often counts disagree with the ledger, what
// was written off, and how long discrepancies take from detection to resolution.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub::reconcile {

// A window of time [from_ms, to_ms): counts by their event time, discrepancies by when they
// opened or closed (hub time).
struct MetricsQuery {
  std::string site;  // "" for every site
  std::int64_t from_ms = 0;
  std::int64_t to_ms = std::numeric_limits<std::int64_t>::max();
};

struct SiteMetrics {
  std::string site;
  std::int64_t counts = 0;            // judged counts, zero variance included: the denominator
  std::int64_t exact = 0;             // counted exactly what the ledger expected
  std::int64_t within_tolerance = 0;  // accepted with a variance
  std::int64_t ambiguous = 0;         // outside tolerance while stock moved: recounted, not flagged
  std::int64_t out_of_tolerance = 0;  // variances and UoM errors, and counts the hub adjusted to
  double variance_rate = 0;           // share of counts that disagreed at all: (counts − exact) / counts
  std::int64_t discrepancies_opened = 0;
  std::int64_t discrepancies_closed = 0;
  std::int64_t write_off_cents = 0;                // value of shortages adjusted away, as a positive amount
  std::int64_t found_cents = 0;                    // value of overages adjusted in
  std::optional<std::int64_t> mean_resolution_ms;  // detection → resolution of those closed

  bool operator==(const SiteMetrics&) const = default;
};

// Prepared statements over the reconcile_ tables. Reads only; blocks on SQLite; kIo when it
// fails. Not thread-safe; must not outlive the Database.
class MetricsReader {
 public:
  static Result<MetricsReader> prepare(storage::Connection& database);

  // One entry per site with counts or discrepancies in the window, by site. The window's length
  // (to_ms − from_ms) must fit an int64: it is read_periods() with one period.
  Result<std::vector<SiteMetrics>> read(const MetricsQuery& query);

  // read() for `periods` (at least 1) consecutive windows of `period_ms` from `from_ms`, entry i
  // for [from_ms + i·period_ms, from_ms + (i + 1)·period_ms), in one pass over the tables rather
  // than one per window. The last window must end by INT64_MAX.
  Result<std::vector<std::vector<SiteMetrics>>> read_periods(const std::string& site, std::int64_t from_ms,
                                                             std::int64_t period_ms, int periods);

 private:
  enum class Sql;
  explicit MetricsReader(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}

  storage::StatementSet<Sql> statements_;
};

}  // namespace recount::hub::reconcile
