// RFC 4180 CSV for the catalog imports: UTF-8 with or without a byte-order mark, LF or CRLF line
// ends, fields quoted with '"' (a doubled quote inside is one quote; quoted fields may hold
// commas and line breaks). Untrusted input: nothing here throws.
#pragma once

#include <cstddef>
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

}  // namespace recount::hub
