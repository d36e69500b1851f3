// The hub's one reader of imported tables (catalog, baselines, the connected systems' reports):
// untrusted bytes, gzipped or not, UTF-8 (with or without a byte-order mark) or windows-1252,
// separated by ',' ';' or TAB (given or detected), RFC 4180 quoting or none. Nothing here throws;
// memory and records are bounded by TableOptions.
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

// One problem of an import file, for people: where and what.
struct ImportError {
  std::size_t line = 0;  // 0: the file as a whole
  std::string field;     // the column, or empty
  std::string message;
};

// "FILE:LINE: COLUMN: message", the form compilers use, so editors jump to the line. Without a
// line (0) "FILE: message", without a column "FILE:LINE: message".
std::string format_import_error(std::string_view file, const ImportError& error);

// How the fields of a line are separated: given, or detected from the header line.
enum class Delimiter { kDetect, kComma, kSemicolon, kTab };

// The text encoding of the file's bytes. kAuto: UTF-8 when the bytes are valid UTF-8, else
// windows-1252 (Table::encoding says which was used).
enum class TextEncoding { kUtf8, kWindows1252, kAuto };

// kRfc4180: '"' quotes a field (a doubled quote inside is one quote; a quoted field may hold
// delimiters and line breaks). kOff: '"' is an ordinary character, as in Amazon's TAB files,
// so an unbalanced quote never swallows the rest of the file.
enum class Quoting { kRfc4180, kOff };

// How header names are compared with the names a caller wants: always after trimming spaces and
// TABs around them and case-insensitively; kLoose also treats '-', '_' and ' ' as the same
// character (Amazon writes `afn-warehouse-quantity` and `AFN Warehouse Quantity`).
enum class HeaderMatch { kCaseInsensitive, kLoose };

// Whether the bytes were gzipped.
enum class Compression { kNone, kGzip };

std::string_view to_string(Delimiter delimiter);                    // "detect", ",", ";", "TAB"
std::string_view to_string(TextEncoding encoding);                  // "utf-8", "windows-1252", "auto"
std::string_view to_string(Quoting quoting);                        // "rfc4180", "off"
std::optional<Delimiter> parse_delimiter(std::string_view text);    // ",", ";", "tab" or "\t", "detect"
std::optional<TextEncoding> parse_encoding(std::string_view text);  // "utf-8", "windows-1252", "auto" (any case)

struct TableOptions {
  Delimiter delimiter = Delimiter::kDetect;
  TextEncoding encoding = TextEncoding::kUtf8;
  Quoting quoting = Quoting::kRfc4180;
  std::size_t max_records = 1'000'000;             // the header and the data rows
  std::size_t max_text_bytes = 256 * 1024 * 1024;  // the text after gunzip and conversion to UTF-8
};

// A file read into records: the header first, then the data rows (blank lines skipped).
struct Table {
  std::vector<CsvRecord> records;
  char delimiter = ',';                         // the one used: ',' ';' or '\t'
  TextEncoding encoding = TextEncoding::kUtf8;  // the one used: never kAuto
  Compression compression = Compression::kNone;
  std::optional<ImportError> error;  // set when the file is unusable; then no records
};

// Reads `bytes` as `options` say:
// - bytes starting 1f 8b are gunzipped (an error when corrupt, truncated or inflating to more
//   than max_text_bytes);
// - a UTF-8 byte-order mark is dropped; under kUtf8 the first byte that is not UTF-8 is an error
//   naming its line and byte column; windows-1252 is converted to UTF-8, its 5 undefined bytes
//   (81 8D 8F 90 9D) an error naming line and column;
// - line ends are CRLF, LF or a lone CR (old Mac spreadsheets); the last line needs none; blank
//   lines are skipped;
// - the delimiter, when detected, is the most frequent of ',' ';' TAB in the first non-blank line
//   (outside quotes); none or a tie is an error naming the counts;
// - RFC 4180 errors: a quote inside an unquoted field, text after a closing quote, a quoted field
//   still open at the end (each naming its line); more than max_records records.
// Errors land in Table::error with the line (0 for the file as a whole). Blocks on nothing.
Table read_table(std::string_view bytes, const TableOptions& options = {});

// The header and data rows of `text` under RFC 4180 with ',' in UTF-8, as read_table reads
// them. Errors (kInvalidInput, field "line N" or "file"): as read_table's.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::size_t max_records = 1'000'000);

// A header mapped to the columns an import needs; other columns are ignored.
struct CsvColumns {
  std::vector<int> index;  // per wanted name, its column, or -1 when absent
};

// Errors (kInvalidInput): a wanted column missing from the header (all missing ones named), or
// a wanted name given twice (under `match`).
Result<CsvColumns> map_header(const CsvRecord& header, const std::vector<std::string_view>& wanted,
                              HeaderMatch match = HeaderMatch::kCaseInsensitive);

// The column of `name` in `header` under `match`, or -1 when absent (an optional column). When the
// name appears twice, the first.
int find_column(const CsvRecord& header, std::string_view name, HeaderMatch match = HeaderMatch::kCaseInsensitive);

// The fields of one data row in the order of the wanted columns; a short row reads as empty
// fields.
std::vector<std::string> pick(const CsvRecord& record, const CsvColumns& columns);

// The field at `column` (find_column's answer), or empty when -1 or the row is short.
std::string_view field_at(const CsvRecord& record, int column);

// A whole decimal number with an optional '-' and nothing else around it; nullopt otherwise.
std::optional<std::int64_t> parse_integer(std::string_view text);

// Which decimal marks a money column accepts: the point always; the comma only in a
// ';'-separated file, where spreadsheets of comma-decimal countries write `2,50`.
enum class DecimalMark { kPoint, kPointOrComma };
DecimalMark decimal_mark_for(char delimiter);

// An amount of money as whole cents: `2`, `2.5`, `2.50`, `-2.50`, and with kPointOrComma `2,50`.
// Errors (kInvalidInput naming `field`): empty, more than 2 decimals, a thousands separator
// (`1,234.50`, `1.234,50`, `1 234`), a decimal comma under kPoint, anything else that is not a
// number, more than 10^13 in magnitude.
Result<std::int64_t> parse_cents(std::string_view field, std::string_view text, DecimalMark mark);

// An import file read up to its data rows: what every import does before checking its own
// columns. `errors` is not empty when the file as a whole is unusable (not a table, empty, a
// header lacking wanted columns); then there are no rows.
struct ImportTable {
  std::vector<CsvRecord> rows;  // after the header
  CsvRecord header;
  CsvColumns columns;
  char delimiter = ',';
  TextEncoding encoding = TextEncoding::kUtf8;
  std::vector<ImportError> errors;
};
ImportTable read_import_table(std::string_view bytes, const std::vector<std::string_view>& wanted,
                              const TableOptions& options = {}, HeaderMatch match = HeaderMatch::kCaseInsensitive);

}  // namespace recount::hub
