// The table reader: bytes to UTF-8 text (gunzip, encodings) a window at a time, the delimiter,
// records, the header.
#include "hub/catalog/csv.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>
#include <utility>

#include "shared/core/gzip.hpp"
#include "shared/crypto/sha256.hpp"
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

// How much of a plain (not gzipped) input the reader takes at a time, and how much input it goes
// past before telling TableOptions::release.
constexpr std::size_t kWindowBytes = std::size_t{256} * 1024;
constexpr std::size_t kReleaseBytes = std::size_t{1024} * 1024;

// The input's bytes after gunzip, without a byte-order mark, a window at a time.
class ByteStream {
 public:
  ByteStream(std::string_view bytes, const TableOptions& options) : bytes_(bytes), options_(&options) {
    if (is_gzip(bytes)) gunzip_.emplace(bytes, options.max_text_bytes);
  }

  Compression compression() const { return gunzip_ ? Compression::kGzip : Compression::kNone; }

  // The next window into `window` (empty at the end), valid until the next call.
  std::optional<ImportError> next(std::string_view& window) {
    if (failure_) return failure_;
    if (first_) {
      first_ = false;
      if (auto error = start(window)) return fail(std::move(*error));
      return std::nullopt;
    }
    if (auto error = read(window)) return fail(std::move(*error));
    return std::nullopt;
  }

 private:
  std::optional<ImportError> fail(ImportError error) {
    failure_ = error;
    return error;
  }

  // The first window: at least the 3 bytes a byte-order mark takes, when there are as many.
  std::optional<ImportError> start(std::string_view& window) {
    if (!gunzip_ && bytes_.size() > options_->max_text_bytes) {
      return ImportError{0, "", "is larger than the limit of " + std::to_string(options_->max_text_bytes) + " bytes"};
    }
    if (auto error = read(window)) return error;
    if (gunzip_ && !window.empty() && window.size() < kByteOrderMark.size()) {
      head_.assign(window);
      std::string_view more;
      while (head_.size() < kByteOrderMark.size()) {
        if (auto error = read(more)) return error;
        if (more.empty()) break;
        head_.append(more);
      }
      window = head_;
    }
    if (window.starts_with(kByteOrderMark)) window.remove_prefix(kByteOrderMark.size());
    return std::nullopt;
  }

  std::optional<ImportError> read(std::string_view& window) {
    if (gunzip_) {
      auto piece = gunzip_->next();
      if (!piece) return ImportError{0, "", piece.error().message};
      window = *piece;
      release_to(gunzip_->consumed());
      return std::nullopt;
    }
    window = bytes_.substr(offset_, kWindowBytes);
    offset_ += window.size();
    release_to(offset_ >= kWindowBytes ? offset_ - kWindowBytes : 0);  // the window just read stays
    return std::nullopt;
  }

  void release_to(std::size_t offset) {
    if (!options_->release || offset < released_ + kReleaseBytes) return;
    options_->release(bytes_.substr(released_, offset - released_));
    released_ = offset;
  }

  std::string_view bytes_;
  const TableOptions* options_;
  std::optional<Gunzip> gunzip_;
  std::size_t offset_ = 0;    // plain input taken so far
  std::size_t released_ = 0;  // input told to options_->release
  bool first_ = true;
  std::string head_;  // a gzipped file's first bytes, gathered to look for a byte-order mark
  std::optional<ImportError> failure_;
};

struct Position {
  std::size_t line = 1;
  std::size_t column = 1;  // in bytes, from 1
};

// Where byte `offset` of the input's text (after gunzip and the byte-order mark) is, with CRLF,
// LF and a lone CR each ending a line, as the record parser counts them: the input read again up
// to there, as errors are rare.
Position position_of(std::string_view bytes, const TableOptions& options, std::size_t offset) {
  ByteStream stream(bytes, options);
  Position position;
  std::size_t line_start = 0;
  std::size_t at = 0;  // the offset of the window's first byte
  bool after_cr = false;
  std::string_view window;
  while (at < offset && !stream.next(window) && !window.empty()) {
    for (std::size_t i = 0; i < window.size() && at + i < offset; ++i) {
      const char c = window[i];
      if (after_cr && c != '\n') {
        ++position.line;
        line_start = at + i;
      }
      after_cr = c == '\r';
      if (c == '\n') {
        ++position.line;
        line_start = at + i + 1;
      }
    }
    at += window.size();
  }
  if (after_cr) {  // the byte at `offset` is not a '\n': the CR before it ended a line
    ++position.line;
    line_start = offset;
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

// Whether `bytes` is the start of a UTF-8 sequence cut short by the end of a window: a lead byte
// and continuation bytes, fewer than the lead byte says.
bool is_cut_sequence(std::string_view bytes) {
  const auto lead = static_cast<unsigned char>(bytes.front());
  const std::size_t length = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  if (bytes.size() >= length) return false;
  return std::all_of(bytes.begin() + 1, bytes.end(),
                     [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; });
}

// The input's text as UTF-8, a window at a time: ByteStream's windows checked as UTF-8 or
// converted from windows-1252.
class TextStream {
 public:
  TextStream(std::string_view bytes, const TableOptions& options, TextEncoding encoding)
      : bytes_(bytes), options_(&options), stream_(bytes, options), encoding_(encoding) {}

  Compression compression() const { return stream_.compression(); }
  // Whether the error next() returned is a byte that is not UTF-8 (rather than gzip or size).
  bool not_utf8() const { return not_utf8_; }

  // The next window of text into `text` (empty at the end), valid until the next call.
  std::optional<ImportError> next(std::string_view& text) {
    while (true) {
      std::string_view window;
      if (auto error = stream_.next(window)) return error;
      if (encoding_ == TextEncoding::kWindows1252) return convert(window, text);
      if (window.empty()) {  // the end: what was carried is all there is
        if (carry_.empty()) {
          text = {};
          return std::nullopt;
        }
        return invalid_at(offset_, static_cast<unsigned char>(carry_.front()));
      }
      out_ = std::move(carry_);
      carry_.clear();
      out_.append(window);
      std::string_view checked = out_;
      const auto bad = first_invalid_utf8(checked);
      if (bad && checked.size() - *bad < 4 && is_cut_sequence(checked.substr(*bad))) {
        carry_.assign(checked.substr(*bad));
        checked = checked.substr(0, *bad);
      } else if (bad) {
        return invalid_at(offset_ + *bad, static_cast<unsigned char>(checked[*bad]));
      }
      offset_ += checked.size();
      if (checked.empty()) continue;
      text = checked;
      return std::nullopt;
    }
  }

 private:
  ImportError invalid_at(std::size_t offset, unsigned char byte) {
    not_utf8_ = true;
    const auto at = position_of(bytes_, *options_, offset);
    return ImportError{at.line, "",
                       "byte column " + std::to_string(at.column) + ": byte " + hex_byte(byte) +
                           " is not valid UTF-8 (is the file windows-1252? then say so as its encoding)"};
  }

  std::optional<ImportError> convert(std::string_view window, std::string_view& text) {
    out_.clear();
    for (std::size_t i = 0; i < window.size(); ++i) {
      const auto byte = static_cast<unsigned char>(window[i]);
      if (byte < 0x80) {
        out_ += static_cast<char>(byte);
      } else if (byte >= 0xA0) {
        append_utf8(out_, byte);
      } else if (const auto point = kWindows1252High[byte - 0x80]; point != 0) {
        append_utf8(out_, point);
      } else {
        const auto at = position_of(bytes_, *options_, offset_ + i);
        return ImportError{at.line, "",
                           "byte column " + std::to_string(at.column) + ": byte " + hex_byte(byte) +
                               " is not a character in windows-1252"};
      }
    }
    offset_ += window.size();
    converted_ += out_.size();
    if (converted_ > options_->max_text_bytes) {
      return ImportError{0, "",
                         "is larger than the limit of " + std::to_string(options_->max_text_bytes) + " bytes as UTF-8"};
    }
    text = out_;
    return std::nullopt;
  }

  std::string_view bytes_;
  const TableOptions* options_;
  ByteStream stream_;
  TextEncoding encoding_;      // kUtf8 or kWindows1252
  std::size_t offset_ = 0;     // of the next byte to check or convert, in the stream's bytes
  std::size_t converted_ = 0;  // UTF-8 bytes made from windows-1252
  std::string carry_;          // a UTF-8 sequence cut by the end of a window
  std::string out_;
  bool not_utf8_ = false;
};

// kAuto's answer: UTF-8 when the whole text is, else windows-1252; or the error that makes the
// input unreadable either way (gzip, size).
std::optional<ImportError> detect_encoding(std::string_view bytes, const TableOptions& options,
                                           TextEncoding& encoding) {
  TextStream utf8(bytes, options, TextEncoding::kUtf8);
  std::string_view text;
  encoding = TextEncoding::kUtf8;
  while (true) {
    auto error = utf8.next(text);
    if (error) {
      if (!utf8.not_utf8()) return error;
      encoding = TextEncoding::kWindows1252;
      return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
  }
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

// What a record parse came to.
enum class Parsed { kRecord, kBlank, kNeedMore, kError };

}  // namespace

// The reader: the text stream, a buffer holding the text from the record being read on, and the
// line it starts on.
struct TableReader::State {
  State(std::string_view bytes, TableOptions table_options) : options(std::move(table_options)) {
    if (options.encoding == TextEncoding::kAuto) {
      if (auto failure = detect_encoding(bytes, options, encoding)) error = std::move(failure);
    } else {
      encoding = options.encoding;
    }
    text.emplace(bytes, options, encoding);
    compression = text->compression();
    if (error) return;
    if (const auto given = delimiter_char(options.delimiter)) {
      delimiter = *given;
      return;
    }
    // The header line is in the buffer unless it is longer than a record may be.
    while (!ended && buffer.size() < options.max_record_bytes) {
      if (!fill()) return;
    }
    if (auto failure = detect_delimiter(buffer, options.quoting, delimiter)) error = std::move(failure);
  }

  // Appends the next window of text to the buffer, dropping what was parsed; false at an error.
  bool fill() {
    std::string_view more;
    if (auto failure = text->next(more)) {
      error = std::move(failure);
      return false;
    }
    if (more.empty()) {
      ended = true;
      return true;
    }
    buffer.erase(0, position);
    position = 0;
    buffer.append(more);
    return true;
  }

  bool next(CsvRecord& record) {
    while (!error) {
      if (position == buffer.size()) {
        if (ended) return false;
        if (!fill()) return false;
        continue;
      }
      switch (parse(record)) {
        case Parsed::kRecord:
          if (records >= options.max_records) {
            error = ImportError{record.line, "", "more than " + std::to_string(options.max_records) + " records"};
            return false;
          }
          ++records;
          return true;
        case Parsed::kBlank: continue;
        case Parsed::kError: return false;
        case Parsed::kNeedMore:
          if (buffer.size() - position > options.max_record_bytes) {
            error = ImportError{
                line, "",
                "a record longer than " + std::to_string(options.max_record_bytes) + " bytes (is a quote left open?)"};
            return false;
          }
          if (!fill()) return false;
          continue;
      }
    }
    return false;
  }

  // One record from the buffer at `position`, as read_table() describes; kNeedMore when the
  // buffer ends before the record does and the text goes on.
  Parsed parse(CsvRecord& record) {
    const std::string_view data = buffer;
    const bool quotes = options.quoting == Quoting::kRfc4180;
    const auto field_end = [&](char c) { return c == delimiter || is_line_end(c); };
    const auto fail = [&](std::size_t at, std::string message) {
      error = ImportError{at, "", std::move(message)};
      return Parsed::kError;
    };
    std::size_t at_line = line;
    std::size_t i = position;
    record.line = at_line;
    record.fields.clear();
    bool blank = true;  // nothing but the line end so far
    while (true) {
      std::string& field = record.fields.emplace_back();
      if (quotes && i < data.size() && data[i] == '"') {
        blank = false;
        ++i;
        while (true) {
          if (i >= data.size()) return ended ? fail(record.line, "a quoted field is not closed") : Parsed::kNeedMore;
          if (data[i] == '"') {
            if (i + 1 >= data.size() && !ended) return Parsed::kNeedMore;
            if (i + 1 < data.size() && data[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (data[i] == '\r' && i + 1 >= data.size() && !ended) return Parsed::kNeedMore;
          if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= data.size() || data[i + 1] != '\n'))) ++at_line;
          field += data[i++];
        }
        if (i >= data.size() && !ended) return Parsed::kNeedMore;
        if (i < data.size() && !field_end(data[i])) {
          return fail(at_line, "text after a closing quote (quote the whole field, doubling quotes inside)");
        }
      } else {
        const auto start = i;
        while (i < data.size() && !field_end(data[i])) {
          if (quotes && data[i] == '"') return fail(at_line, "a quote inside an unquoted field (quote the field)");
          ++i;
        }
        if (i >= data.size() && !ended) return Parsed::kNeedMore;
        field.assign(data.substr(start, i - start));
        if (i > start) blank = false;
      }
      if (i < data.size() && data[i] == delimiter) {
        blank = false;
        ++i;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (i < data.size() && data[i] == '\r') {
        ++i;
        if (i >= data.size() && !ended) return Parsed::kNeedMore;
      }
      if (i < data.size() && data[i] == '\n') ++i;
      ++at_line;
      break;
    }
    position = i;
    line = at_line;
    return blank ? Parsed::kBlank : Parsed::kRecord;
  }

  TableOptions options;
  std::optional<TextStream> text;
  std::string buffer;
  std::size_t position = 0;  // in buffer, of the next record
  std::size_t line = 1;      // the line the next record starts on
  bool ended = false;        // the text stream has no more
  std::size_t records = 0;
  char delimiter = ',';
  TextEncoding encoding = TextEncoding::kUtf8;
  Compression compression = Compression::kNone;
  std::optional<ImportError> error;
};

TableReader::TableReader(std::string_view bytes, const TableOptions& options)
    : state_(std::make_unique<State>(bytes, options)) {}
TableReader::TableReader(TableReader&&) noexcept = default;
TableReader& TableReader::operator=(TableReader&&) noexcept = default;
TableReader::~TableReader() = default;

bool TableReader::next(CsvRecord& record) { return state_->next(record); }
const std::optional<ImportError>& TableReader::error() const { return state_->error; }
char TableReader::delimiter() const { return state_->delimiter; }
TextEncoding TableReader::encoding() const { return state_->encoding; }
Compression TableReader::compression() const { return state_->compression; }

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
  TableReader reader(bytes, options);
  CsvRecord record;
  while (reader.next(record)) table.records.push_back(std::move(record));
  table.delimiter = reader.delimiter();
  table.encoding = reader.encoding();
  table.compression = reader.compression();
  if (reader.error()) {
    table.records.clear();
    table.error = reader.error();
  }
  return table;
}

std::string import_sha256(std::string_view bytes, const TableOptions& options) {
  Sha256 hash;
  for (std::size_t offset = 0; offset < bytes.size(); offset += kReleaseBytes) {
    const auto window = bytes.substr(offset, kReleaseBytes);
    hash.update(window);
    if (options.release) options.release(window);
  }
  return hash.hex();
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

void ImportErrors::add(ImportError error) {
  if (listed.size() < kMaxListed) {
    listed.push_back(std::move(error));
  } else {
    ++unlisted;
  }
}

void ImportErrors::replace_all(ImportError error) {
  listed = {std::move(error)};
  unlisted = 0;
}

void RowProblems::add(std::string field, std::string message) {
  errors_.add(ImportError{line_, std::move(field), std::move(message)});
  any_ = true;
}

ImportTable::ImportTable(std::string_view bytes, const std::vector<std::string_view>& wanted,
                         const TableOptions& options, HeaderMatch match)
    : reader_(bytes, options) {
  delimiter = reader_.delimiter();
  encoding = reader_.encoding();
  if (!reader_.next(header)) {
    header = {};
    errors.push_back(reader_.error() ? *reader_.error()
                                     : ImportError{0, "", "the file is empty (a header line is required)"});
    return;
  }
  auto mapped = map_header(header, wanted, match);
  if (!mapped) {
    errors.push_back(ImportError{header.line, "", mapped.error().message});
    return;
  }
  columns = std::move(*mapped);
}

bool ImportTable::next(CsvRecord& row) {
  if (!errors.empty()) return false;
  if (reader_.next(row)) {
    ++rows_;
    return true;
  }
  if (reader_.error()) errors = {*reader_.error()};
  return false;
}

}  // namespace recount::hub
