// CSV records and header mapping for the catalog imports.
#include "hub/catalog/csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>

#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

std::string lower_trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  std::string result(text.substr(first, last - first + 1));
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

Error at_line(std::size_t line, const std::string& message) { return invalid("line " + std::to_string(line), message); }

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::size_t max_records) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (!is_valid_utf8(text)) return invalid("file", "is not valid UTF-8");
  std::vector<CsvRecord> records;
  std::size_t line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    std::string field;
    bool blank = true;  // nothing but the line end so far
    while (true) {
      if (i < text.size() && text[i] == '"') {
        blank = false;
        ++i;
        while (true) {
          if (i >= text.size()) return at_line(record.line, "a quoted field is not closed");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return at_line(line, "text after a closing quote (quote the whole field, doubling quotes inside)");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return at_line(line, "a quote inside an unquoted field (quote the field)");
          field += text[i++];
          blank = false;
        }
      }
      record.fields.push_back(std::move(field));
      field.clear();
      if (i < text.size() && text[i] == ',') {
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
    if (records.size() >= max_records) return at_line(record.line, "too many records");
    records.push_back(std::move(record));
  }
  return records;
}

Result<CsvColumns> map_header(const CsvRecord& header, const std::vector<std::string_view>& wanted) {
  CsvColumns columns;
  columns.index.assign(wanted.size(), -1);
  for (std::size_t column = 0; column < header.fields.size(); ++column) {
    const auto name = lower_trimmed(header.fields[column]);
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      if (name != wanted[w]) continue;
      if (columns.index[w] >= 0) return at_line(header.line, "column " + name + " appears twice in the header");
      columns.index[w] = static_cast<int>(column);
    }
  }
  std::string missing;
  for (std::size_t w = 0; w < wanted.size(); ++w) {
    if (columns.index[w] < 0) missing += (missing.empty() ? "" : ", ") + std::string(wanted[w]);
  }
  if (!missing.empty()) return at_line(header.line, "the header lacks column(s): " + missing);
  return columns;
}

std::vector<std::string> pick(const CsvRecord& record, const CsvColumns& columns) {
  std::vector<std::string> fields;
  for (int index : columns.index) {
    fields.push_back(index < static_cast<int>(record.fields.size()) ? record.fields[static_cast<std::size_t>(index)]
                                                                    : std::string());
  }
  return fields;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

ImportTable read_import_table(std::string_view text, const std::vector<std::string_view>& wanted) {
  ImportTable table;
  auto records = parse_csv(text);
  if (!records) {
    // parse_csv names the line as its field, "line N".
    const auto& field = records.error().field;
    const auto line = field.starts_with("line ") ? parse_integer(field.substr(5)).value_or(0) : 0;
    table.errors.push_back(ImportError{static_cast<std::size_t>(line), line > 0 ? "" : field, records.error().message});
    return table;
  }
  if (records->empty()) {
    table.errors.push_back(ImportError{0, "", "the file is empty (a header line is required)"});
    return table;
  }
  auto columns = map_header(records->front(), wanted);
  if (!columns) {
    table.errors.push_back(ImportError{1, "", columns.error().message});
    return table;
  }
  table.columns = std::move(*columns);
  table.rows.assign(std::make_move_iterator(records->begin() + 1), std::make_move_iterator(records->end()));
  return table;
}

}  // namespace recount::hub
