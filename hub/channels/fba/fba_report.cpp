// Amazon FBA reports: which report a header is, then one row reader per report.
#include "hub/channels/fba/fba_report.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>
#include <vector>

#include "hub/channels/report_file.hpp"
#include "shared/core/iso_time.hpp"

namespace recount::hub::channels::fba {
namespace {

constexpr std::array<std::pair<FbaReportKind, std::string_view>, 4> kKindNames{{
    {FbaReportKind::kManageInventory, "manage-fba-inventory"},
    {FbaReportKind::kAfnInventory, "afn-inventory"},
    {FbaReportKind::kLedger, "fba-ledger"},
    {FbaReportKind::kAdjustments, "fba-adjustments"},
}};

// The columns each report must have (the Manage report's inbound and later columns are optional:
// the 18-column layout lacks three of them), and the one that tells the report from the others.
struct ReportShape {
  FbaReportKind kind;
  std::string_view title;
  std::string_view telling_column;
  std::vector<std::string_view> required;
};

const std::vector<ReportShape>& shapes() {
  static const std::vector<ReportShape> kShapes{
      {FbaReportKind::kManageInventory,
       "Manage FBA Inventory",
       "afn-warehouse-quantity",
       {"sku", "fnsku", "asin", "afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-unsellable-quantity",
        "afn-reserved-quantity"}},
      {FbaReportKind::kAfnInventory,
       "AFN inventory",
       "warehouse-condition-code",
       {"seller-sku", "fulfillment-channel-sku", "asin", "warehouse-condition-code", "quantity available"}},
      {FbaReportKind::kLedger,
       "Inventory Ledger (detailed view)",
       "event type",
       {"date", "fnsku", "asin", "msku", "event type", "reference id", "quantity", "fulfillment center", "disposition",
        "reason"}},
      {FbaReportKind::kAdjustments,
       "Inventory Adjustments",
       "transaction-item-id",
       {"adjusted-date", "transaction-item-id", "fnsku", "sku", "fulfillment-center-id", "quantity", "reason",
        "disposition"}},
  };
  return kShapes;
}

const ReportShape& shape_of(FbaReportKind kind) {
  for (const auto& shape : shapes()) {
    if (shape.kind == kind) return shape;
  }
  return shapes().front();
}

std::string expected_headers() {
  std::string text;
  for (const auto& shape : shapes()) {
    std::string columns;
    for (const auto name : shape.required) columns += (columns.empty() ? "" : ", ") + std::string(name);
    text += (text.empty() ? "" : "; ") + std::string(shape.title) + ": " + columns;
  }
  return text;
}

// The Manage report's figures besides the compared one, as `details` names them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kManageDetails{{
    {"afn-fulfillable-quantity", "fulfillable"},
    {"afn-unsellable-quantity", "unsellable"},
    {"afn-reserved-quantity", "reserved"},
    {"afn-inbound-working-quantity", "inbound-working"},
    {"afn-inbound-shipped-quantity", "inbound-shipped"},
    {"afn-inbound-receiving-quantity", "inbound-receiving"},
    {"afn-researching-quantity", "researching"},
    {"afn-reserved-future-supply", "reserved-future-supply"},
    {"afn-future-supply-buyable", "future-supply-buyable"},
}};

std::string item_ref(std::string_view fnsku, std::string_view asin) {
  return "FNSKU " + std::string(fnsku) + " ASIN " + std::string(asin);
}

// Reads the rows of one report into `report`; one reader per report below.
class RowReader {
 public:
  RowReader(const CsvRecord& header, Report& report) : columns_(header), report_(report) {}

  void manage_inventory(const std::vector<CsvRecord>& rows);
  void afn_inventory(const std::vector<CsvRecord>& rows);
  void ledger(const std::vector<CsvRecord>& rows);
  void adjustments(const std::vector<CsvRecord>& rows);

 private:
  std::string_view at(const CsvRecord& row, std::string_view column) const { return cell(row, columns_.find(column)); }
  std::optional<std::int64_t> quantity(const CsvRecord& row, std::string_view column, QuantitySign sign) {
    return read_quantity(at(row, column), row.line, column, sign, report_.errors);
  }
  bool sku_present(const CsvRecord& row, std::string_view column) {
    if (!at(row, column).empty()) return true;
    report_.errors.push_back(ImportError{row.line, std::string(column), "is empty: every row needs its SKU"});
    return false;
  }
  void check_identities(const CsvRecord& row, const ReportedQuantity& quantity);
  std::optional<std::int64_t> event_time(const CsvRecord& row, std::string_view time_column,
                                         std::string_view date_column);
  void add_movement(const CsvRecord& row, ReportedMovement movement, std::string_view event, std::int64_t qty,
                    std::string_view amazon_reason);

  HeaderColumns columns_;
  Report& report_;
};

void RowReader::manage_inventory(const std::vector<CsvRecord>& rows) {
  std::map<std::string, std::size_t, std::less<>> by_sku;  // SKU → its entry in quantities
  for (const auto& row : rows) {
    if (!sku_present(row, "sku")) continue;
    const auto errors_before = report_.errors.size();
    ReportedQuantity entry;
    entry.line = row.line;
    entry.sku = std::string(at(row, "sku"));
    entry.item_ref = item_ref(at(row, "fnsku"), at(row, "asin"));
    const auto warehouse = quantity(row, "afn-warehouse-quantity", QuantitySign::kNonNegative);
    for (const auto& [column, name] : kManageDetails) {
      // The 18-column layout lacks the later columns; Amazon leaves an optional figure empty at times.
      const bool required = name == "fulfillable" || name == "unsellable" || name == "reserved";
      if (!required && at(row, column).empty()) continue;
      if (const auto value = quantity(row, column, QuantitySign::kNonNegative))
        entry.details[std::string(name)] = *value;
    }
    if (report_.errors.size() != errors_before || !warehouse) continue;
    entry.quantity = *warehouse;
    check_identities(row, entry);

    const auto [first, inserted] = by_sku.emplace(entry.sku, report_.quantities.size());
    if (!inserted) {
      // The same SKU on several marketplaces: the same stock listed again, counted once.
      const auto& earlier = report_.quantities[first->second];
      const auto where = "SKU " + entry.sku + " is listed again (first on line " + std::to_string(earlier.line) + ")";
      if (earlier.quantity == entry.quantity && earlier.details == entry.details) {
        report_.notes.push_back(ImportError{row.line, "sku", where + " with the same figures: counted once"});
      } else {
        report_.errors.push_back(ImportError{row.line, "afn-warehouse-quantity",
                                             where + " with other figures: " + std::to_string(entry.quantity) +
                                                 " here, " + std::to_string(earlier.quantity) + " there"});
      }
      continue;
    }
    report_.quantities.push_back(std::move(entry));
  }
}

void RowReader::check_identities(const CsvRecord& row, const ReportedQuantity& entry) {
  const auto figure = [&](std::string_view name) {
    const auto found = entry.details.find(std::string(name));
    return found == entry.details.end() ? std::int64_t{0} : found->second;
  };
  const auto parts = figure("fulfillable") + figure("unsellable") + figure("reserved");
  if (parts != entry.quantity) {
    report_.notes.push_back(
        ImportError{row.line, "afn-warehouse-quantity",
                    "Amazon's identity does not hold for SKU " + entry.sku + ": afn-warehouse-quantity is " +
                        std::to_string(entry.quantity) + " but afn-fulfillable-quantity + afn-unsellable-quantity + " +
                        "afn-reserved-quantity is " + std::to_string(figure("fulfillable")) + " + " +
                        std::to_string(figure("unsellable")) + " + " + std::to_string(figure("reserved")) + " = " +
                        std::to_string(parts) + " (afn-warehouse-quantity is compared)"});
  }
  if (!columns_.has("afn-total-quantity") || at(row, "afn-total-quantity").empty()) return;
  std::vector<ImportError> ignored;  // a bad total is noted below, not an error: it is not compared
  const auto total =
      read_quantity(at(row, "afn-total-quantity"), row.line, "afn-total-quantity", QuantitySign::kNonNegative, ignored);
  const auto inbound = figure("inbound-working") + figure("inbound-shipped") + figure("inbound-receiving");
  if (!total || *total != entry.quantity + inbound) {
    report_.notes.push_back(ImportError{
        row.line, "afn-total-quantity",
        "Amazon's identity does not hold for SKU " + entry.sku + ": afn-total-quantity is '" +
            std::string(at(row, "afn-total-quantity")) + "' but afn-warehouse-quantity + inbound (working, shipped, " +
            "receiving) is " + std::to_string(entry.quantity) + " + " + std::to_string(inbound) + " = " +
            std::to_string(entry.quantity + inbound)});
  }
}

void RowReader::afn_inventory(const std::vector<CsvRecord>& rows) {
  std::map<std::string, std::size_t, std::less<>> by_sku;
  std::map<std::pair<std::string, std::string>, std::size_t> condition_lines;
  for (const auto& row : rows) {
    if (!sku_present(row, "seller-sku")) continue;
    std::string condition;
    for (const char c : at(row, "warehouse-condition-code")) {
      condition += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (condition != "sellable" && condition != "unsellable") {
      report_.errors.push_back(
          ImportError{row.line, "Warehouse-Condition-code",
                      "'" + std::string(at(row, "warehouse-condition-code")) + "' is not SELLABLE or UNSELLABLE"});
      continue;
    }
    const auto available = quantity(row, "quantity available", QuantitySign::kNonNegative);
    if (!available) continue;
    const std::string sku(at(row, "seller-sku"));
    const auto [seen, first_time] = condition_lines.emplace(std::pair{sku, condition}, row.line);
    if (!first_time) {
      report_.errors.push_back(ImportError{row.line, "Warehouse-Condition-code",
                                           "SKU " + sku + " has a second " + condition + " row (first on line " +
                                               std::to_string(seen->second) + "): which one holds is unknown"});
      continue;
    }
    const auto [found, inserted] = by_sku.emplace(sku, report_.quantities.size());
    if (inserted) {
      ReportedQuantity entry;
      entry.line = row.line;
      entry.sku = sku;
      entry.item_ref = item_ref(at(row, "fulfillment-channel-sku"), at(row, "asin"));
      report_.quantities.push_back(std::move(entry));
    }
    auto& entry = report_.quantities[found->second];
    entry.details[condition] = *available;
    entry.quantity += *available;  // what Amazon holds: its sellable and its unsellable units
  }
}

// "2026-11-02T08:00:00-0700" (the ledger's offset without a colon) as RFC 3339 wants it.
std::string with_offset_colon(std::string_view text) {
  std::string out(text);
  const auto n = out.size();
  if (n > 5 && (out[n - 5] == '+' || out[n - 5] == '-') && out.find('T') != std::string::npos &&
      std::isdigit(static_cast<unsigned char>(out[n - 1])) != 0 && out.find(':', n - 5) == std::string::npos) {
    out.insert(n - 2, ":");
  }
  return out;
}

std::optional<std::int64_t> RowReader::event_time(const CsvRecord& row, std::string_view time_column,
                                                  std::string_view date_column) {
  if (const auto when = at(row, time_column); !when.empty()) {
    auto parsed = parse_iso8601_ms(time_column, with_offset_colon(when));
    if (parsed) return *parsed;
    report_.errors.push_back(
        ImportError{row.line, std::string(time_column),
                    "'" + std::string(when) + "' is not a date-time with an offset: " + parsed.error().message});
    return std::nullopt;
  }
  // The detailed view's Date is MM/DD/YYYY without a time: the day's start, UTC.
  const auto date = at(row, date_column);
  if (date.size() == 10 && date[2] == '/' && date[5] == '/') {
    const auto iso = std::string(date.substr(6, 4)) + "-" + std::string(date.substr(0, 2)) + "-" +
                     std::string(date.substr(3, 2)) + "T00:00:00Z";
    if (auto parsed = parse_iso8601_ms(date_column, iso)) return *parsed;
  }
  report_.errors.push_back(
      ImportError{row.line, std::string(date_column), "'" + std::string(date) + "' is not a date (MM/DD/YYYY)"});
  return std::nullopt;
}

// Amazon's adjustment reason codes (Seller Central "Inventory Adjustments report"), as recount's
// reasons; a code not listed is kOther and stays visible in the movement's reference.
ReasonCode reason_of(std::string_view code) {
  if (code == "M") return ReasonCode::kMisplaced;
  if (code == "F") return ReasonCode::kFound;
  if (code == "E" || code == "H" || code == "K" || code == "Q" || code == "U" || code == "D" || code == "6" ||
      code == "7") {
    return ReasonCode::kDamage;
  }
  if (code == "5" || code == "P") return ReasonCode::kShrinkage;
  if (code == "O") return ReasonCode::kCountError;
  return ReasonCode::kOther;
}

// One ledger event as a movement. `qty` is Amazon's signed change of its stock: receipts are
// kReceive and units leaving Amazon (customer shipments, removals) kShip; every other change,
// and a receipt or shipment going the unusual way, an adjustment with a reason.
void RowReader::add_movement(const CsvRecord& row, ReportedMovement movement, std::string_view event, std::int64_t qty,
                             std::string_view amazon_reason) {
  if (qty == 0) return;  // nothing moved
  movement.line = row.line;
  if (event == "Receipts" && qty > 0) {
    movement.type = EventType::kReceive;
    movement.qty = qty;
  } else if ((event == "Shipments" || event == "VendorReturns") && qty < 0) {
    movement.type = EventType::kShip;
    movement.qty = -qty;
  } else {
    movement.type = EventType::kAdjust;
    movement.qty = qty;
    movement.reason = event == "CustomerReturns" ? ReasonCode::kReturn
                      : event == "Receipts"      ? ReasonCode::kReceivingError
                                                 : reason_of(amazon_reason);
  }
  if (!amazon_reason.empty()) movement.reference += " (Amazon reason " + std::string(amazon_reason) + ")";
  report_.movements.push_back(std::move(movement));
}

constexpr std::array<std::string_view, 6> kLedgerEvents{"Receipts",    "Shipments",     "CustomerReturns",
                                                        "Adjustments", "VendorReturns", "WhseTransfers"};

void RowReader::ledger(const std::vector<CsvRecord>& rows) {
  // The detailed view has no row identity: a row's key is its content, and the n-th identical row
  // of the file gets "#n", so reading the same file again gives the same keys.
  std::map<std::string, int, std::less<>> occurrences;
  for (const auto& row : rows) {
    if (!sku_present(row, "msku")) continue;
    const auto event = at(row, "event type");
    if (std::find(kLedgerEvents.begin(), kLedgerEvents.end(), event) == kLedgerEvents.end()) {
      std::string known;
      for (const auto name : kLedgerEvents) known += (known.empty() ? "" : ", ") + std::string(name);
      report_.errors.push_back(
          ImportError{row.line, "Event Type",
                      "'" + std::string(event) + "' is not an event type this reader knows (" + known + ")"});
      continue;
    }
    const auto qty = quantity(row, "quantity", QuantitySign::kSigned);
    const auto time = event_time(row, "date and time", "date");
    if (!qty || !time) continue;
    ReportedMovement movement;
    movement.time_ms = *time;
    movement.sku = std::string(at(row, "msku"));
    movement.system_location = std::string(at(row, "fulfillment center"));
    movement.reference = std::string(at(row, "reference id"));
    std::string key = "ledger";
    for (const auto column : {"date and time", "date", "fnsku", "msku", "event type", "reference id", "quantity",
                              "fulfillment center", "disposition", "reason"}) {
      key += "|" + std::string(at(row, column));
    }
    const auto n = ++occurrences[key];
    movement.key = n == 1 ? key : key + "#" + std::to_string(n);
    add_movement(row, std::move(movement), event, *qty, at(row, "reason"));
  }
}

void RowReader::adjustments(const std::vector<CsvRecord>& rows) {
  std::map<std::string, std::size_t, std::less<>> seen;  // transaction-item-id → line
  for (const auto& row : rows) {
    if (!sku_present(row, "sku")) continue;
    const std::string id(at(row, "transaction-item-id"));
    if (id.empty()) {
      report_.errors.push_back(ImportError{row.line, "transaction-item-id", "is empty: every adjustment has its id"});
      continue;
    }
    if (const auto [first, inserted] = seen.emplace(id, row.line); !inserted) {
      report_.errors.push_back(
          ImportError{row.line, "transaction-item-id",
                      "'" + id + "' is listed again (first on line " + std::to_string(first->second) + ")"});
      continue;
    }
    const auto qty = quantity(row, "quantity", QuantitySign::kSigned);
    const auto time = event_time(row, "adjusted-date", "adjusted-date");
    if (!qty || !time) continue;
    ReportedMovement movement;
    movement.time_ms = *time;
    movement.sku = std::string(at(row, "sku"));
    movement.system_location = std::string(at(row, "fulfillment-center-id"));
    movement.reference = "adjustment " + id;
    movement.key = "adjustment|" + id;
    add_movement(row, std::move(movement), "Adjustments", *qty, at(row, "reason"));
  }
}

// The Inventory Ledger writes every field in quotes; with quoting off they arrive with them.
void unquote_fields(CsvRecord& record) {
  for (auto& field : record.fields) {
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      std::string inner;
      for (std::size_t i = 1; i + 1 < field.size(); ++i) {
        inner += field[i];
        if (field[i] == '"' && field[i + 1] == '"' && i + 2 < field.size()) ++i;  // "" is one quote
      }
      field = std::move(inner);
    }
  }
}

}  // namespace

std::string_view to_string(FbaReportKind kind) {
  for (const auto& [candidate, name] : kKindNames) {
    if (candidate == kind) return name;
  }
  return "";
}

std::optional<FbaReportKind> parse_fba_report_kind(std::string_view text) {
  for (const auto& [candidate, name] : kKindNames) {
    if (name == text) return candidate;
  }
  return std::nullopt;
}

Report read_fba_report(std::string_view bytes, const FbaOptions& options) {
  Report report;
  report.system = "fba";
  auto file = read_report_file(bytes, FileDialect::kAmazonFlatFile, options.encoding);
  if (!file.errors.empty()) {
    report.errors = std::move(file.errors);
    return report;
  }
  const bool quoted_header = !file.header.fields.empty() && file.header.fields.front().starts_with('"');
  if (quoted_header) {
    unquote_fields(file.header);
    for (auto& row : file.rows) unquote_fields(row);
  }
  const HeaderColumns columns(file.header);
  auto kind = options.kind;
  if (kind == FbaReportKind::kDetect) {
    for (const auto& shape : shapes()) {
      if (columns.has(shape.telling_column)) {
        kind = shape.kind;
        break;
      }
    }
  }
  if (kind == FbaReportKind::kDetect) {
    report.errors.push_back(
        ImportError{file.header.line, "",
                    "not an FBA report this reader knows; expected the header of one of: " + expected_headers()});
    return report;
  }
  const auto& shape = shape_of(kind);
  report.kind = std::string(to_string(kind));
  if (const auto missing = columns.missing(shape.required); !missing.empty()) {
    report.errors.push_back(ImportError{
        file.header.line, "", "the header lacks column(s) of the " + std::string(shape.title) + " report: " + missing});
    return report;
  }
  RowReader reader(file.header, report);
  switch (kind) {
    case FbaReportKind::kManageInventory: reader.manage_inventory(file.rows); break;
    case FbaReportKind::kAfnInventory: reader.afn_inventory(file.rows); break;
    case FbaReportKind::kLedger: reader.ledger(file.rows); break;
    case FbaReportKind::kAdjustments: reader.adjustments(file.rows); break;
    case FbaReportKind::kDetect: break;
  }
  return report;
}

}  // namespace recount::hub::channels::fba
