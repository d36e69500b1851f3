// A connected system's file as a header and rows, and the cell readers the connectors share.
#include "hub/channels/report_file.hpp"

#include <utility>

#include "shared/domain/limits.hpp"

namespace recount::hub::channels {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

ReportFile read_report_file(std::string_view bytes, FileDialect dialect, TextEncoding encoding, std::size_t max_rows) {
  TableOptions options;
  options.delimiter = dialect == FileDialect::kAmazonFlatFile ? Delimiter::kTab : Delimiter::kComma;
  options.quoting = dialect == FileDialect::kAmazonFlatFile ? Quoting::kOff : Quoting::kRfc4180;
  options.encoding = encoding;
  options.max_records = max_rows + 1;
  ReportFile file;
  auto table = read_table(bytes, options);
  if (table.error) {
    file.errors.push_back(std::move(*table.error));
    return file;
  }
  if (table.records.empty()) {
    file.errors.push_back(ImportError{0, "", "the file is empty (a header line is required)"});
    return file;
  }
  file.header = std::move(table.records.front());
  file.rows.assign(std::make_move_iterator(table.records.begin() + 1), std::make_move_iterator(table.records.end()));
  return file;
}

std::string HeaderColumns::missing(const std::vector<std::string_view>& wanted) const {
  std::string names;
  for (const auto name : wanted) {
    if (!has(name)) names += (names.empty() ? "" : ", ") + std::string(name);
  }
  return names;
}

std::string_view cell(const CsvRecord& row, int column) { return trimmed(field_at(row, column)); }

std::optional<std::int64_t> read_quantity(std::string_view text, std::size_t line, std::string_view column,
                                          QuantitySign sign, std::vector<ImportError>& errors) {
  auto fail = [&](std::string message) {
    errors.push_back(ImportError{line, std::string(column), std::move(message)});
    return std::nullopt;
  };
  if (text.empty()) return fail("is empty: a whole number is required");
  const auto value = parse_integer(text);
  if (!value) return fail("'" + std::string(text) + "' is not a whole number");
  if (sign == QuantitySign::kNonNegative && *value < 0) {
    return fail("'" + std::string(text) + "' is below zero");
  }
  if (*value > limits::kMaxQuantity || *value < -limits::kMaxQuantity) {
    return fail("'" + std::string(text) + "' is beyond ±" + std::to_string(limits::kMaxQuantity));
  }
  return value;
}

}  // namespace recount::hub::channels
