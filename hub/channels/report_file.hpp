// What every connector (fba/, shopify/, pos/) does before reading its own columns: the file's
// bytes read as a header and rows by the hub's one table reader (hub/catalog/csv.hpp), columns
// found by name, and cells read as quantities with errors that name line, column and value.
// Untrusted input: nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/catalog/csv.hpp"

namespace recount::hub::channels {

// How a system writes its files: Amazon's flat files are TAB-separated with quoting off (a '"'
// is an ordinary character); Shopify's and the POS journal are RFC 4180 CSV.
enum class FileDialect { kAmazonFlatFile, kCsv };

// A file read up to its rows. `errors` is not empty when the file as a whole is unusable (not
// decodable in `encoding`, no header line); then there is no header and there are no rows.
struct ReportFile {
  CsvRecord header;
  std::vector<CsvRecord> rows;  // after the header, blank lines skipped
  std::vector<ImportError> errors;
};

// Reads `bytes` (gzip-compressed or not) in `encoding` (kAuto: UTF-8 when valid, else
// windows-1252), at most `max_rows` rows (an error beyond), as read_table does for `dialect`.
ReportFile read_report_file(std::string_view bytes, FileDialect dialect, TextEncoding encoding,
                            std::size_t max_rows = 1'000'000);

// The field of `row` at `column` (-1: absent) with surrounding spaces dropped; "" when the row is
// short or the column absent.
std::string_view cell(const CsvRecord& row, int column);

// A header's columns by name, as find_column matches them loosely: case-insensitive, '-', '_'
// and ' ' alike, surrounding spaces ignored ("afn-warehouse-quantity" finds "AFN Warehouse
// Quantity"). Keeps a copy of the header.
class HeaderColumns {
 public:
  explicit HeaderColumns(CsvRecord header) : header_(std::move(header)) {}

  // The column of `name`, or -1 when the header has none.
  int find(std::string_view name) const { return find_column(header_, name, HeaderMatch::kLoose); }
  bool has(std::string_view name) const { return find(name) >= 0; }
  // The names among `wanted` the header lacks, comma-separated ("" when it has them all).
  std::string missing(const std::vector<std::string_view>& wanted) const;
  // The header's own spelling of the column `name` finds ("" when absent), for messages.
  std::string_view spelled(std::string_view name) const { return cell(header_, find(name)); }

 private:
  CsvRecord header_;
};

// Whether a quantity may be below zero (Shopify's oversold stock may; Amazon's counts may not).
enum class QuantitySign { kNonNegative, kSigned };

// The integer in `text`, or nullopt after adding an ImportError to `errors` that names `line`,
// `column` and the value ("is empty" when it is).
std::optional<std::int64_t> read_quantity(std::string_view text, std::size_t line, std::string_view column,
                                          QuantitySign sign, std::vector<ImportError>& errors);

}  // namespace recount::hub::channels
