// Shopify inventory exports: the layout from the header, then one quantity per variant and
// location, summed where the same SKU (or SKU-less variant) appears twice at a location.
#include "hub/channels/shopify/shopify_export.hpp"

#include <array>
#include <cctype>
#include <map>
#include <utility>
#include <vector>

#include "hub/channels/report_file.hpp"
#include "hub/channels/shopify/variant_key.hpp"

namespace recount::hub::channels::shopify {
namespace {

// The variant's own columns, before the location or quantity columns.
constexpr std::array<std::string_view, 11> kItemColumns{
    "handle",       "title",         "option1 name", "option1 value", "option2 name", "option2 value",
    "option3 name", "option3 value", "sku",          "hs code",       "coo"};

// A long layout's columns: the compared one and those kept in `details`, by each layout's name.
struct LongLayout {
  std::string_view kind;
  std::string_view on_hand;
  std::array<std::pair<std::string_view, std::string_view>, 4> details;  // column → details name
};
constexpr LongLayout kLong2023{"shopify-all-2023",
                               "on hand",
                               {{{"incoming", "incoming"},
                                 {"unavailable", "unavailable"},
                                 {"committed", "committed"},
                                 {"available", "available"}}}};
constexpr LongLayout kLong2024{"shopify-all-2024",
                               "on hand (current)",
                               {{{"incoming (not editable)", "incoming"},
                                 {"unavailable (not editable)", "unavailable"},
                                 {"committed (not editable)", "committed"},
                                 {"available (not editable)", "available"}}}};

bool not_stocked(std::string_view text) {
  constexpr std::string_view kNotStocked = "not stocked";
  if (text.size() != kNotStocked.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != kNotStocked[i]) return false;
  }
  return true;
}

class ExportReader {
 public:
  ExportReader(const CsvRecord& header, Report& report) : header_(header), columns_(header), report_(report) {
    for (std::size_t n = 0; n < options_.size(); ++n) {
      options_[n] = {columns_.find("option" + std::to_string(n + 1) + " name"),
                     columns_.find("option" + std::to_string(n + 1) + " value")};
    }
  }

  void wide(const std::vector<CsvRecord>& rows);
  void long_layout(const std::vector<CsvRecord>& rows, const LongLayout& layout);

 private:
  std::string_view at(const CsvRecord& row, std::string_view column) const { return cell(row, columns_.find(column)); }
  // Handle plus option values: "mug (Color: Blue)"; the Handle alone for a product without
  // variants (Option1 Value "Default Title").
  std::string item_ref(const CsvRecord& row) const;
  // Fills sku and item_ref of a new entry; false (with an error) when the row names no variant.
  bool identify(const CsvRecord& row, ReportedQuantity& entry);
  void add(ReportedQuantity entry);

  const CsvRecord& header_;
  HeaderColumns columns_;
  Report& report_;
  std::map<std::pair<std::string, std::string>, std::size_t> entries_;  // (sku, location) → index
  std::array<std::pair<int, int>, 3> options_{};                        // Option1..3 Name and Value columns
};

std::string ExportReader::item_ref(const CsvRecord& row) const {
  std::string options;
  for (const auto& [name_column, value_column] : options_) {
    const auto name = cell(row, name_column);
    const auto value = cell(row, value_column);
    if (value.empty() || (name == "Title" && value == "Default Title")) continue;
    options += (options.empty() ? "" : ", ") + std::string(name) + ": " + std::string(value);
  }
  const std::string handle(at(row, "handle"));
  return options.empty() ? handle : handle + " (" + options + ")";
}

bool ExportReader::identify(const CsvRecord& row, ReportedQuantity& entry) {
  entry.line = row.line;
  entry.sku = std::string(at(row, "sku"));
  entry.item_ref = item_ref(row);
  if (!entry.sku.empty()) return true;
  std::vector<std::string> values;
  for (const auto& [name_column, value_column] : options_) values.emplace_back(cell(row, value_column));
  entry.sku = variant_key(at(row, "handle"), values);
  if (parse_variant_key(entry.sku)) return true;
  report_.errors.push_back(ImportError{row.line, "SKU", "is empty and so is Handle: the variant cannot be identified"});
  return false;
}

void ExportReader::add(ReportedQuantity entry) {
  const auto [found, inserted] =
      entries_.emplace(std::pair{entry.sku, entry.system_location}, report_.quantities.size());
  if (inserted) {
    report_.quantities.push_back(std::move(entry));
    return;
  }
  auto& earlier = report_.quantities[found->second];
  const bool keyed = parse_variant_key(entry.sku).has_value();
  report_.notes.push_back(ImportError{
      entry.line, keyed ? "Handle" : "SKU",
      (keyed ? "variant " + entry.item_ref : "SKU " + entry.sku) + " at " + entry.system_location +
          " is listed again (first on line " + std::to_string(earlier.line) + "): the quantities are summed (" +
          std::to_string(earlier.quantity) + " + " + std::to_string(entry.quantity) + ")"});
  earlier.quantity += entry.quantity;
  for (const auto& [name, value] : entry.details) earlier.details[name] += value;
}

void ExportReader::wide(const std::vector<CsvRecord>& rows) {
  // Every column that is not the variant's own is a location, named after it.
  std::vector<int> locations;
  for (int column = 0; column < static_cast<int>(header_.fields.size()); ++column) {
    bool item_column = false;
    for (const auto known : kItemColumns) item_column = item_column || columns_.find(known) == column;
    if (!item_column && !cell(header_, column).empty()) locations.push_back(column);
  }
  if (locations.empty()) {
    report_.errors.push_back(ImportError{header_.line, "",
                                         "the header has no location column after Handle, Title, Option1 Name … "
                                         "SKU, HS Code, COO (nor Location and On hand of the long layout)"});
    return;
  }
  for (const auto& row : rows) {
    ReportedQuantity variant;
    if (!identify(row, variant)) continue;
    for (const auto column : locations) {
      const std::string location(cell(header_, column));
      const auto text = cell(row, column);
      if (not_stocked(text)) continue;
      const auto available = read_quantity(text, row.line, location, QuantitySign::kSigned, report_.errors);
      if (!available) continue;
      auto entry = variant;
      entry.system_location = location;
      entry.quantity = *available;
      add(std::move(entry));
    }
  }
}

void ExportReader::long_layout(const std::vector<CsvRecord>& rows, const LongLayout& layout) {
  const std::string on_hand_column(columns_.spelled(layout.on_hand));
  struct Detail {
    int column;
    std::string_view name;
    std::string header_name;  // as the file spells it, for messages
  };
  std::vector<Detail> details;
  for (const auto& [column, name] : layout.details) {
    if (columns_.has(column)) details.push_back({columns_.find(column), name, std::string(columns_.spelled(column))});
  }
  for (const auto& row : rows) {
    ReportedQuantity entry;
    if (!identify(row, entry)) continue;
    entry.system_location = std::string(at(row, "location"));
    if (entry.system_location.empty()) {
      report_.errors.push_back(ImportError{row.line, "Location", "is empty: every row of this layout names one"});
      continue;
    }
    const auto on_hand_text = at(row, layout.on_hand);
    if (not_stocked(on_hand_text)) continue;
    const auto errors_before = report_.errors.size();
    const auto on_hand = read_quantity(on_hand_text, row.line, on_hand_column, QuantitySign::kSigned, report_.errors);
    for (const auto& detail : details) {
      const auto text = cell(row, detail.column);
      if (not_stocked(text)) continue;
      if (const auto value = read_quantity(text, row.line, detail.header_name, QuantitySign::kSigned, report_.errors)) {
        entry.details[std::string(detail.name)] = *value;
      }
    }
    if (!on_hand || report_.errors.size() != errors_before) continue;
    entry.quantity = *on_hand;
    if (entry.details.contains("unavailable") && entry.details.contains("committed") &&
        entry.details.contains("available")) {
      const auto parts = entry.details["unavailable"] + entry.details["committed"] + entry.details["available"];
      if (parts != entry.quantity) {
        report_.notes.push_back(ImportError{
            row.line, on_hand_column,
            "Shopify's identity does not hold: On hand is " + std::to_string(entry.quantity) +
                " but Unavailable + Committed + Available is " + std::to_string(parts) + " (On hand is compared)"});
      }
    }
    add(std::move(entry));
  }
}

}  // namespace

Report read_shopify_export(std::string_view bytes, const ShopifyOptions& options) {
  Report report;
  report.system = "shopify";
  auto file = read_report_file(bytes, FileDialect::kCsv, options.encoding);
  if (!file.errors.empty()) {
    report.errors = std::move(file.errors);
    return report;
  }
  const HeaderColumns columns(file.header);
  if (const auto missing = columns.missing({"handle", "sku"}); !missing.empty()) {
    report.errors.push_back(ImportError{file.header.line, "",
                                        "not a Shopify inventory export: the header lacks column(s) " + missing +
                                            " (expected Handle, Title, Option1 Name … SKU, HS Code, COO, then one "
                                            "column per location, or Location, Incoming, …, On hand)"});
    return report;
  }
  ExportReader reader(file.header, report);
  if (columns.has("location")) {
    const auto& layout = columns.has(kLong2024.on_hand) ? kLong2024 : kLong2023;
    report.kind = std::string(layout.kind);
    if (!columns.has(layout.on_hand)) {
      report.errors.push_back(ImportError{file.header.line, "",
                                          "the header has Location but lacks On hand (2023 layout) or On hand "
                                          "(current) (2024 layout)"});
      return report;
    }
    reader.long_layout(file.rows, layout);
  } else {
    report.kind = "shopify-available-wide";
    reader.wide(file.rows);
  }
  return report;
}

}  // namespace recount::hub::channels::shopify
