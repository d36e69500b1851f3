// The table reader's raw rate (hub/catalog/csv.hpp's read_table) beside a plain memchr line split
// of the same bytes: the baseline the import benchmarks (catalog, connectors) report against.
#pragma once

#include <cstddef>
#include <string_view>

#include "hub/catalog/csv.hpp"
#include "shared/core/result.hpp"

namespace recount::bench {

// How fast one pass over a file went, averaged over the passes of the measurement.
struct TableRate {
  double megabytes_per_s = 0;  // bytes of the file (as given, before gunzip) per second, in 10^6
  double rows_per_s = 0;       // records (read_table) or lines (memchr) per second
  std::size_t rows = 0;        // per pass
};

// read_table(bytes, options) repeated for at least `seconds`. Errors: the table's own error (as
// kInvalidInput naming its line), so a benchmark never times a reader that refuses its file.
// Blocks for `seconds` (one pass at least).
Result<TableRate> read_table_rate(std::string_view bytes, const hub::TableOptions& options, double seconds);

// Lines of `bytes` split with memchr('\n') and nothing else, repeated for at least `seconds`: the
// floor no reader goes under. Blocks for `seconds`.
TableRate memchr_line_rate(std::string_view bytes, double seconds);

}  // namespace recount::bench
