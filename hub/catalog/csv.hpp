// RFC 4180 CSV for the hub's imports (catalog, baselines): UTF-8 with or without a byte-order mark, LF or CRLF line
// ends, fields quoted with '"' (a doubled quote inside is one quote; quoted fields may hold
// commas and line breaks). Untrusted input: nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::hub {

struct CsvRecord {
  std::size_t line = 0;  // the line the record starts on, counted from 1 (the header is line 1)
  std::vector<std::string> fields;
};

// Splits `text` into records. Blank lines are skipped. Errors (kInvalidInput, message naming the
// line): not valid UTF-8, a quote inside an unquoted field, text after a closing quote, a quoted
// field still open at the end, more than `max_records` records.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::size_t max_records = 1'000'000);

// A header mapped to the columns an import needs: names matched case-insensitively after
// trimming spaces; other columns are ignored.
struct CsvColumns {
  std::vector<int> index;  // per wanted name, its column, or -1 when absent
};

// Errors (kInvalidInput): a wanted column missing from the header (all missing ones named), or
// a wanted name given twice.
Result<CsvColumns> map_header(const CsvRecord& header, const std::vector<std::string_view>& wanted);

// The fields of one data row in the order of the wanted columns; a short row reads as empty
// fields.
std::vector<std::string> pick(const CsvRecord& record, const CsvColumns& columns);

// A whole decimal number with an optional '-' and nothing else around it; nullopt otherwise.
std::optional<std::int64_t> parse_integer(std::string_view text);

// One problem of an import file, for people: where and what.
struct ImportError {
  std::size_t line = 0;  // 0: the file as a whole
  std::string field;     // the column, or empty
  std::string message;
};

// An import file read up to its data rows: what every import does before checking its own
// columns. `errors` is not empty when the file as a whole is unusable (not CSV, empty, a header
// lacking wanted columns); then there are no rows.
struct ImportTable {
  std::vector<CsvRecord> rows;  // after the header
  CsvColumns columns;
  std::vector<ImportError> errors;
};
ImportTable read_import_table(std::string_view text, const std::vector<std::string_view>& wanted);

}  // namespace recount::hub
