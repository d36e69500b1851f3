// POS journals: each row a sale, return or damage at the register.
#include "hub/channels/pos/pos_journal.hpp"

#include <map>
#include <utility>
#include <vector>

#include "hub/channels/report_file.hpp"
#include "shared/core/iso_time.hpp"

namespace recount::hub::channels::pos {
namespace {

const std::vector<std::string_view> kColumns{"time",    "register", "receipt", "line",  "sku",
                                             "barcode", "quantity", "kind",    "reason"};

// What a row of each kind records; nullopt (with an error) for a kind or reason that is not one.
std::optional<ReportedMovement> movement_of(const CsvRecord& row, const HeaderColumns& columns,
                                            std::vector<ImportError>& errors) {
  const auto at = [&](std::string_view column) { return cell(row, columns.find(column)); };
  const auto error = [&](std::string_view column, std::string message) {
    errors.push_back(ImportError{row.line, std::string(column), std::move(message)});
  };
  const auto errors_before = errors.size();
  ReportedMovement movement;
  movement.line = row.line;
  movement.sku = std::string(at("sku"));
  movement.barcode = std::string(at("barcode"));
  if (movement.sku.empty() && movement.barcode.empty()) error("sku", "is empty and so is barcode: name one or both");
  for (const auto column : {"register", "receipt", "line"}) {
    if (at(column).empty()) error(column, "is empty: register, receipt and line identify the row");
  }
  const auto time = parse_iso8601_ms("time", at("time"));
  if (!time) {
    error("time", "'" + std::string(at("time")) + "' is not an ISO-8601 time with an offset: " + time.error().message);
  }
  const auto quantity = read_quantity(at("quantity"), row.line, "quantity", QuantitySign::kNonNegative, errors);
  if (quantity && *quantity == 0) error("quantity", "'0' moves nothing: a quantity is 1 or more");

  const auto kind = at("kind");
  const auto reason_text = at("reason");
  std::optional<ReasonCode> reason;
  if (!reason_text.empty()) {
    reason = parse_reason_code(reason_text);
    if (!reason) {
      std::string known;
      for (const auto code : kAllReasonCodes) known += (known.empty() ? "" : ", ") + std::string(to_string(code));
      error("reason", "'" + std::string(reason_text) + "' is not a reason code (" + known + ")");
    }
  }
  if (kind == "sale") {
    movement.type = EventType::kSale;
    if (reason) error("reason", "'" + std::string(reason_text) + "' given for a sale: a reason is for a damage");
  } else if (kind == "return") {
    movement.type = EventType::kAdjust;
    if (reason && reason != ReasonCode::kReturn) {
      error("reason", "'" + std::string(reason_text) + "' given for a return: a return's reason is return");
    }
    movement.reason = ReasonCode::kReturn;
  } else if (kind == "damage") {
    movement.type = EventType::kAdjust;
    movement.reason = reason.value_or(ReasonCode::kDamage);
  } else {
    error("kind", "'" + std::string(kind) + "' is not sale, return or damage");
  }
  if (errors.size() != errors_before) return std::nullopt;
  movement.time_ms = *time;
  movement.qty = movement.type == EventType::kAdjust && kind == "damage" ? -*quantity : *quantity;
  movement.key = std::string(at("register")) + "/" + std::string(at("receipt")) + "/" + std::string(at("line"));
  movement.reference = "register " + std::string(at("register")) + " receipt " + std::string(at("receipt"));
  return movement;
}

bool same_content(const ReportedMovement& a, const ReportedMovement& b) {
  return a.time_ms == b.time_ms && a.sku == b.sku && a.barcode == b.barcode && a.type == b.type && a.qty == b.qty &&
         a.reason == b.reason;
}

}  // namespace

Report read_pos_journal(std::string_view bytes, const PosOptions& options) {
  Report report;
  report.system = "pos";
  report.kind = "pos-journal";
  auto file = read_report_file(bytes, FileDialect::kCsv, options.encoding);
  if (!file.errors.empty()) {
    report.errors = std::move(file.errors);
    return report;
  }
  const HeaderColumns columns(file.header);
  if (const auto missing = columns.missing(kColumns); !missing.empty()) {
    report.errors.push_back(ImportError{file.header.line, "",
                                        "not a POS journal: the header lacks column(s) " + missing +
                                            " (expected time,register,receipt,line,sku,barcode,quantity,kind,reason)"});
    return report;
  }
  std::map<std::string, std::size_t, std::less<>> by_key;  // key → index in movements
  for (const auto& row : file.rows) {
    auto movement = movement_of(row, columns, report.errors);
    if (!movement) continue;
    const auto [found, inserted] = by_key.emplace(movement->key, report.movements.size());
    if (inserted) {
      report.movements.push_back(std::move(*movement));
      continue;
    }
    const auto& earlier = report.movements[found->second];
    const auto where = "register/receipt/line " + movement->key + " is given again (first on line " +
                       std::to_string(earlier.line) + ")";
    if (same_content(earlier, *movement)) {
      report.notes.push_back(ImportError{row.line, "line", where + " with the same content: read once"});
    } else {
      report.errors.push_back(ImportError{row.line, "line", where + " with other content"});
    }
  }
  return report;
}

}  // namespace recount::hub::channels::pos
