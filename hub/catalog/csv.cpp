// The table reader: bytes to UTF-8 text (gunzip, encodings), the delimiter, records, the header.
#include "hub/catalog/csv.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>

#include "shared/core/gzip.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// windows-1252's bytes 80..9F as Unicode code points; 0 marks the 5 bytes it leaves undefined.
// A0..FF are U+00A0..U+00FF, as in ISO 8859-1.
constexpr std::array<std::uint16_t, 32> kWindows1252High{
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string lower_trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  std::string result(text.substr(first, last - first + 1));
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

std::string header_key(std::string_view name, HeaderMatch match) {
  auto key = lower_trimmed(name);
  if (match == HeaderMatch::kLoose)
    std::replace_if(
        key.begin(), key.end(), [](char c) { return c == '-' || c == ' '; }, '_');
  return key;
}

std::string hex_byte(unsigned char byte) {
  constexpr std::string_view kDigits = "0123456789ABCDEF";
  return {kDigits[byte >> 4], kDigits[byte & 0x0F]};
}

struct Position {
  std::size_t line = 1;
  std::size_t column = 1;  // in bytes, from 1
};

// Where byte `offset` of `text` is, with CRLF, LF and a lone CR each ending a line, as the
// record parser counts them.
Position position_of(std::string_view text, std::size_t offset) {
  Position position;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++position.line;
      line_start = i + 1;
    }
  }
  position.column = offset - line_start + 1;
  return position;
}

void append_utf8(std::string& out, std::uint32_t point) {
  if (point < 0x80) {
    out += static_cast<char>(point);
  } else if (point < 0x800) {
    out += static_cast<char>(0xC0 | (point >> 6));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (point >> 12));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  }
}

// windows-1252 `bytes` as UTF-8 into `out`, or the error naming the first undefined byte.
std::optional<ImportError> from_windows_1252(std::string_view bytes, std::size_t max_bytes, std::string& out) {
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte < 0x80) {
      out += static_cast<char>(byte);
    } else if (byte >= 0xA0) {
      append_utf8(out, byte);
    } else if (const auto point = kWindows1252High[byte - 0x80]; point != 0) {
      append_utf8(out, point);
    } else {
      const auto at = position_of(bytes, i);
      return ImportError{at.line, "",
                         "byte column " + std::to_string(at.column) + ": byte " + hex_byte(byte) +
                             " is not a character in windows-1252"};
    }
    if (out.size() > max_bytes) {
      return ImportError{0, "", "is larger than the limit of " + std::to_string(max_bytes) + " bytes as UTF-8"};
    }
  }
  return std::nullopt;
}

// The table's text as UTF-8 without a byte-order mark: a view of `bytes` or of `storage`.
std::optional<ImportError> decode_text(std::string_view bytes, const TableOptions& options, std::string& storage,
                                       std::string_view& text, Table& table) {
  if (is_gzip(bytes)) {
    auto inflated = gunzip(bytes, options.max_text_bytes);
    if (!inflated) return ImportError{0, "", inflated.error().message};
    storage = std::move(*inflated);
    bytes = storage;
    table.compression = Compression::kGzip;
  } else if (bytes.size() > options.max_text_bytes) {
    return ImportError{0, "", "is larger than the limit of " + std::to_string(options.max_text_bytes) + " bytes"};
  }
  if (bytes.starts_with(kByteOrderMark)) bytes.remove_prefix(kByteOrderMark.size());
  // Said to be windows-1252, bytes that happen to be valid UTF-8 too (`Ã©`) are windows-1252.
  const auto bad =
      options.encoding == TextEncoding::kWindows1252 ? std::optional<std::size_t>(0) : first_invalid_utf8(bytes);
  if (!bad) {
    table.encoding = TextEncoding::kUtf8;
    text = bytes;
    return std::nullopt;
  }
  if (options.encoding == TextEncoding::kUtf8) {
    const auto at = position_of(bytes, *bad);
    return ImportError{at.line, "",
                       "byte column " + std::to_string(at.column) + ": byte " +
                           hex_byte(static_cast<unsigned char>(bytes[*bad])) +
                           " is not valid UTF-8 (is the file windows-1252? then say so as its encoding)"};
  }
  table.encoding = TextEncoding::kWindows1252;
  std::string converted;
  if (auto error = from_windows_1252(bytes, options.max_text_bytes, converted)) return error;
  storage = std::move(converted);
  text = storage;
  return std::nullopt;
}

bool is_line_end(char c) { return c == '\n' || c == '\r'; }

// The delimiter of the first non-blank line: the most frequent of ',' ';' TAB outside quotes.
std::optional<ImportError> detect_delimiter(std::string_view text, Quoting quoting, char& delimiter) {
  std::size_t i = 0;
  std::size_t line = 1;
  while (i < text.size() && is_line_end(text[i])) {
    if (text[i] == '\n' || i + 1 >= text.size() || text[i + 1] != '\n') ++line;
    ++i;
  }
  if (i == text.size()) return std::nullopt;  // no lines: the caller says the file is empty
  std::array<std::size_t, 3> counts{};        // ',' ';' TAB
  bool quoted = false;
  for (; i < text.size() && (quoted || !is_line_end(text[i])); ++i) {
    const char c = text[i];
    if (c == '"' && quoting == Quoting::kRfc4180) quoted = !quoted;
    if (quoted) continue;
    if (c == ',') ++counts[0];
    if (c == ';') ++counts[1];
    if (c == '\t') ++counts[2];
  }
  constexpr std::array<char, 3> kCandidates{',', ';', '\t'};
  const auto most = std::max_element(counts.begin(), counts.end());
  const auto ties = std::count(counts.begin(), counts.end(), *most);
  if (*most > 0 && ties == 1) {
    delimiter = kCandidates[static_cast<std::size_t>(most - counts.begin())];
    return std::nullopt;
  }
  const std::string tally = std::to_string(counts[0]) + " ',', " + std::to_string(counts[1]) + " ';' and " +
                            std::to_string(counts[2]) + " TAB";
  return ImportError{line, "",
                     "cannot tell the delimiter from the header line (" + tally + "): name it (',', ';' or TAB)"};
}

// Splits `text` into records as read_table() describes.
std::optional<ImportError> split_records(std::string_view text, char delimiter, Quoting quoting,
                                         std::size_t max_records, std::vector<CsvRecord>& records) {
  const bool quotes = quoting == Quoting::kRfc4180;
  const auto field_end = [&](char c) { return c == delimiter || is_line_end(c); };
  std::size_t line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    bool blank = true;  // nothing but the line end so far
    while (true) {
      std::string field;
      if (quotes && i < text.size() && text[i] == '"') {
        blank = false;
        ++i;
        while (true) {
          if (i >= text.size()) return ImportError{record.line, "", "a quoted field is not closed"};
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
          field += text[i++];
        }
        if (i < text.size() && !field_end(text[i])) {
          return ImportError{line, "", "text after a closing quote (quote the whole field, doubling quotes inside)"};
        }
      } else {
        const auto start = i;
        while (i < text.size() && !field_end(text[i])) {
          if (quotes && text[i] == '"')
            return ImportError{line, "", "a quote inside an unquoted field (quote the field)"};
          ++i;
        }
        field.assign(text.substr(start, i - start));
        if (i > start) blank = false;
      }
      record.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == delimiter) {
        blank = false;
        ++i;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      break;
    }
    if (blank) continue;
    if (records.size() >= max_records) {
      return ImportError{record.line, "", "more than " + std::to_string(max_records) + " records"};
    }
    records.push_back(std::move(record));
  }
  return std::nullopt;
}

}  // namespace

std::string format_import_error(std::string_view file, const ImportError& error) {
  std::string out(file);
  if (error.line > 0) out += ":" + std::to_string(error.line);
  out += ": ";
  if (!error.field.empty()) out += error.field + ": ";
  out += error.message;
  return out;
}

std::string_view to_string(Delimiter delimiter) {
  switch (delimiter) {
    case Delimiter::kComma: return ",";
    case Delimiter::kSemicolon: return ";";
    case Delimiter::kTab: return "TAB";
    case Delimiter::kDetect: break;
  }
  return "detect";
}

std::string_view to_string(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8: return "utf-8";
    case TextEncoding::kWindows1252: return "windows-1252";
    case TextEncoding::kAuto: break;
  }
  return "auto";
}

std::string_view to_string(Quoting quoting) { return quoting == Quoting::kRfc4180 ? "rfc4180" : "off"; }

std::optional<Delimiter> parse_delimiter(std::string_view text) {
  const auto key = lower_trimmed(text);
  if (text == "\t" || key == "tab") return Delimiter::kTab;
  if (key == "," || key == "comma") return Delimiter::kComma;
  if (key == ";" || key == "semicolon") return Delimiter::kSemicolon;
  if (key == "detect") return Delimiter::kDetect;
  return std::nullopt;
}

std::optional<char> delimiter_char(Delimiter delimiter) {
  switch (delimiter) {
    case Delimiter::kComma: return ',';
    case Delimiter::kSemicolon: return ';';
    case Delimiter::kTab: return '\t';
    case Delimiter::kDetect: break;
  }
  return std::nullopt;
}

std::string_view delimiter_name(char delimiter) {
  if (delimiter == ';') return "semicolon";
  if (delimiter == '\t') return "tab";
  return "comma";
}

std::optional<TextEncoding> parse_encoding(std::string_view text) {
  const auto key = lower_trimmed(text);
  if (key == "utf-8" || key == "utf8") return TextEncoding::kUtf8;
  if (key == "windows-1252" || key == "cp1252") return TextEncoding::kWindows1252;
  if (key == "auto") return TextEncoding::kAuto;
  return std::nullopt;
}

Table read_table(std::string_view bytes, const TableOptions& options) {
  Table table;
  std::string storage;
  std::string_view text;
  const auto fail = [&table](ImportError error) {
    table.records.clear();
    table.error = std::move(error);
    return std::move(table);
  };
  if (auto error = decode_text(bytes, options, storage, text, table)) return fail(std::move(*error));
  if (const auto given = delimiter_char(options.delimiter)) {
    table.delimiter = *given;
  } else if (auto error = detect_delimiter(text, options.quoting, table.delimiter)) {
    return fail(std::move(*error));
  }
  if (auto error = split_records(text, table.delimiter, options.quoting, options.max_records, table.records)) {
    return fail(std::move(*error));
  }
  return table;
}

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::size_t max_records) {
  TableOptions options;
  options.delimiter = Delimiter::kComma;
  options.max_records = max_records;
  auto table = read_table(text, options);
  if (table.error) {
    const auto& error = *table.error;
    return invalid(error.line > 0 ? "line " + std::to_string(error.line) : "file", error.message);
  }
  return std::move(table.records);
}

Result<CsvColumns> map_header(const CsvRecord& header, const std::vector<std::string_view>& wanted, HeaderMatch match) {
  CsvColumns columns;
  columns.index.assign(wanted.size(), -1);
  std::vector<std::string> keys;
  keys.reserve(wanted.size());
  for (const auto name : wanted) keys.push_back(header_key(name, match));
  for (std::size_t column = 0; column < header.fields.size(); ++column) {
    const auto name = header_key(header.fields[column], match);
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      if (name != keys[w]) continue;
      if (columns.index[w] >= 0) {
        return invalid("line " + std::to_string(header.line), "column " + name + " appears twice in the header");
      }
      columns.index[w] = static_cast<int>(column);
    }
  }
  std::string missing;
  for (std::size_t w = 0; w < wanted.size(); ++w) {
    if (columns.index[w] < 0) missing += (missing.empty() ? "" : ", ") + std::string(wanted[w]);
  }
  if (!missing.empty()) return invalid("line " + std::to_string(header.line), "the header lacks column(s): " + missing);
  return columns;
}

int find_column(const CsvRecord& header, std::string_view name, HeaderMatch match) {
  const auto key = header_key(name, match);
  for (std::size_t column = 0; column < header.fields.size(); ++column) {
    if (header_key(header.fields[column], match) == key) return static_cast<int>(column);
  }
  return -1;
}

std::vector<std::string> pick(const CsvRecord& record, const CsvColumns& columns) {
  std::vector<std::string> fields;
  fields.reserve(columns.index.size());
  for (int index : columns.index) fields.emplace_back(field_at(record, index));
  return fields;
}

std::string_view field_at(const CsvRecord& record, int column) {
  if (column < 0 || static_cast<std::size_t>(column) >= record.fields.size()) return {};
  return record.fields[static_cast<std::size_t>(column)];
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

DecimalMark decimal_mark_for(char delimiter) {
  return delimiter == ';' ? DecimalMark::kPointOrComma : DecimalMark::kPoint;
}

Result<std::int64_t> parse_cents(std::string_view field, std::string_view text, DecimalMark mark) {
  const std::string name(field);
  const std::string quoted = "'" + std::string(text) + "'";
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return invalid(name, "must not be empty");
  text = text.substr(first, text.find_last_not_of(' ') - first + 1);
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const auto marks = std::count_if(text.begin(), text.end(), [](char c) { return c == '.' || c == ','; });
  if (text.find_first_of(" '") != std::string_view::npos || text.find("\xC2\xA0") != std::string_view::npos ||
      marks > 1) {
    return invalid(name, quoted + ": thousands separators are not accepted (write the amount as 1234.50)");
  }
  const auto point = text.find_first_of(".,");
  const auto whole = text.substr(0, point);
  const auto decimals = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  const auto digits_only = [](std::string_view part) {
    return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (!digits_only(whole) || (point != std::string_view::npos && !digits_only(decimals))) {
    return invalid(name, quoted + " is not an amount (write it as 2.50)");
  }
  if (point != std::string_view::npos && text[point] == ',' && mark == DecimalMark::kPoint) {
    return invalid(name, quoted + ": a decimal comma is accepted only in a ';'-separated file (write 2.50)");
  }
  if (decimals.size() > 2) {
    return invalid(name, quoted + " has " + std::to_string(decimals.size()) +
                             " decimals: at most 2 (cents), and thousands separators are not accepted");
  }
  constexpr std::size_t kMaxWholeDigits = 13;
  const auto significant = whole.find_first_not_of('0');
  if (significant != std::string_view::npos && whole.size() - significant > kMaxWholeDigits) {
    return invalid(name, quoted + " is too large (at most 10^13)");
  }
  std::int64_t cents = 0;
  for (const char c : whole) cents = cents * 10 + (c - '0');
  cents *= 100;
  if (!decimals.empty()) cents += (decimals[0] - '0') * 10 + (decimals.size() == 2 ? decimals[1] - '0' : 0);
  return negative ? -cents : cents;
}

ImportTable read_import_table(std::string_view bytes, const std::vector<std::string_view>& wanted,
                              const TableOptions& options, HeaderMatch match) {
  ImportTable import;
  auto table = read_table(bytes, options);
  import.delimiter = table.delimiter;
  import.encoding = table.encoding;
  if (table.error) {
    import.errors.push_back(std::move(*table.error));
    return import;
  }
  if (table.records.empty()) {
    import.errors.push_back(ImportError{0, "", "the file is empty (a header line is required)"});
    return import;
  }
  import.header = std::move(table.records.front());
  auto columns = map_header(import.header, wanted, match);
  if (!columns) {
    import.errors.push_back(ImportError{import.header.line, "", columns.error().message});
    return import;
  }
  import.columns = std::move(*columns);
  import.rows.assign(std::make_move_iterator(table.records.begin() + 1), std::make_move_iterator(table.records.end()));
  return import;
}

}  // namespace recount::hub
