// The hub's one reader of imported tables (catalog, baselines, the connected systems' reports):
// untrusted bytes, gzipped or not, UTF-8 (with or without a byte-order mark) or windows-1252,
// separated by ',' ';' or TAB (given or detected), RFC 4180 quoting or none, read a record at a
// time so that a file of any size costs a window of memory. Nothing here throws; memory and
// records are bounded by TableOptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
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

std::string_view to_string(Delimiter delimiter);    // "detect", ",", ";", "TAB"
std::string_view to_string(TextEncoding encoding);  // "utf-8", "windows-1252", "auto"
std::string_view to_string(Quoting quoting);        // "rfc4180", "off"
// ",", ";", "tab" or "\t", "comma", "semicolon", "detect" (any case).
std::optional<Delimiter> parse_delimiter(std::string_view text);
// A delimiter character's name in answers and options: "comma", "semicolon", "tab".
std::string_view delimiter_name(char delimiter);
// The character of a given delimiter; nullopt for kDetect.
std::optional<char> delimiter_char(Delimiter delimiter);
std::optional<TextEncoding> parse_encoding(std::string_view text);  // "utf-8", "windows-1252", "auto" (any case)

struct TableOptions {
  Delimiter delimiter = Delimiter::kDetect;
  TextEncoding encoding = TextEncoding::kUtf8;
  Quoting quoting = Quoting::kRfc4180;
  std::size_t max_records = 1'000'000;  // the header and the data rows
  // The text after gunzip and conversion to UTF-8. The reader holds a window of it, never all of
  // it: the limit bounds the time a gzip bomb costs, not memory.
  std::size_t max_text_bytes = std::size_t{256} * 1024 * 1024;
  // One record's text, and so the most the reader holds at once (a longer record is an error,
  // which is what an unclosed quote in a large file becomes).
  std::size_t max_record_bytes = std::size_t{1024} * 1024;
  // Told of the input bytes the reader has gone past, a window at a time, so that a mapped file
  // can drop their pages from the process (hub/http/mapped_pages.hpp); may be empty. The reader may
  // read them again (a second pass): dropping pages must not lose them.
  std::function<void(std::string_view)> release;
};

// A file read into records: the header first, then the data rows (blank lines skipped).
struct Table {
  std::vector<CsvRecord> records;
  char delimiter = ',';                         // the one used: ',' ';' or '\t'
  TextEncoding encoding = TextEncoding::kUtf8;  // the one used: never kAuto
  Compression compression = Compression::kNone;
  std::optional<ImportError> error;  // set when the file is unusable; then no records
};

// Reads `bytes` (which must outlive it) as `options` say, one record at a time:
// - bytes starting 1f 8b are gunzipped (an error when corrupt, truncated or inflating to more
//   than max_text_bytes);
// - a UTF-8 byte-order mark is dropped; under kUtf8 the first byte that is not UTF-8 is an error
//   naming its line and byte column; windows-1252 is converted to UTF-8, its 5 undefined bytes
//   (81 8D 8F 90 9D) an error naming line and column; kAuto reads the file once through first
//   to tell which it is;
// - line ends are CRLF, LF or a lone CR (old Mac spreadsheets); the last line needs none; blank
//   lines are skipped;
// - the delimiter, when detected, is the most frequent of ',' ';' TAB in the first non-blank line
//   (outside quotes); none or a tie is an error naming the counts (a file of blank lines has no
//   header to detect from and reads as no records);
// - RFC 4180 errors: a quote inside an unquoted field, text after a closing quote, a quoted field
//   still open at the end (each naming its line); more than max_records records; a record of
//   more than max_record_bytes.
// An error may turn up after records were read (the reader has not seen the rest of the file
// before): the file is then unusable as a whole. Memory: a window of the text and the record
// being read, whatever the file's size. Movable; not thread-safe. Blocks on nothing.
class TableReader {
 public:
  TableReader(std::string_view bytes, const TableOptions& options);
  TableReader(TableReader&&) noexcept;
  TableReader& operator=(TableReader&&) noexcept;
  ~TableReader();

  // The next record into `record` (its fields replaced): false at the end of the table or at an
  // error (then error() says which, with its line, 0 for the file as a whole).
  bool next(CsvRecord& record);
  const std::optional<ImportError>& error() const;
  char delimiter() const;         // the one used: ',' ';' or '\t'
  TextEncoding encoding() const;  // the one used: never kAuto
  Compression compression() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The whole table read by a TableReader: for files known to be small and for tests. Errors land
// in Table::error with the line (0 for the file as a whole), and then there are no records.
Table read_table(std::string_view bytes, const TableOptions& options = {});

// The SHA-256 of an import file's bytes (as received, gzipped or not), read a window at a time
// and told to options.release as read_table does, for the audit entry.
std::string import_sha256(std::string_view bytes, const TableOptions& options);

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

// The problems of an import, for people: the first kMaxListed in file order, and how many more.
// A file of a million bad rows must not cost a million messages.
struct ImportErrors {
  static constexpr std::size_t kMaxListed = 1000;
  std::vector<ImportError> listed;
  std::size_t unlisted = 0;

  void add(ImportError error);
  bool empty() const { return listed.empty(); }
  std::size_t count() const { return listed.size() + unlisted; }
  // Only `error`: what is left when the file as a whole turns out unusable.
  void replace_all(ImportError error);
};

// One row's problems as it is checked: each goes into the import's errors with the row's line.
// `errors` must outlive it.
class RowProblems {
 public:
  RowProblems(ImportErrors& errors, std::size_t line) : errors_(errors), line_(line) {}

  void add(std::string field, std::string message);
  void add(const Error& error) { add(error.field, error.message); }
  // Adds the check's error, if it failed.
  void check(const Result<void>& checked) {
    if (!checked) add(checked.error());
  }
  // Whether the row has a problem so far, so it is not staged.
  bool any() const { return any_; }

 private:
  ImportErrors& errors_;
  std::size_t line_;
  bool any_ = false;
};

// An import file read up to its header, its data rows then read one at a time: what every import
// does before checking its own columns. `errors` is not empty when the file as a whole is
// unusable (not a table, empty, a header lacking wanted columns); then there are no rows.
// Movable; not thread-safe. `bytes` must outlive it.
class ImportTable {
 public:
  ImportTable(std::string_view bytes, const std::vector<std::string_view>& wanted, const TableOptions& options = {},
              HeaderMatch match = HeaderMatch::kCaseInsensitive);

  // The next data row into `row`: false at the end, or when the file turns out unusable past the
  // header; then `errors` holds that one problem, which stands for the whole file.
  bool next(CsvRecord& row);
  std::size_t rows() const { return rows_; }  // data rows read so far

  CsvRecord header;  // also when it lacks wanted columns (empty when there is none)
  CsvColumns columns;
  char delimiter = ',';
  TextEncoding encoding = TextEncoding::kUtf8;
  std::vector<ImportError> errors;

 private:
  TableReader reader_;
  std::size_t rows_ = 0;
};

}  // namespace recount::hub
