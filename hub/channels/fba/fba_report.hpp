// Amazon FBA's inventory reports read into a channels::Report (docs/channels-formats.md): the
// Manage FBA Inventory report (18- and 21-column layouts), the AFN inventory report, and the
// Inventory Ledger (detailed view) and Inventory Adjustments reports as movements.
#pragma once

#include <optional>
#include <string_view>

#include "hub/channels/report.hpp"

namespace recount::hub::channels::fba {

// Which report a file is. kDetect tells it from the header; an explicit kind checks the header
// for that report's columns and names the missing ones.
enum class FbaReportKind { kDetect, kManageInventory, kAfnInventory, kLedger, kAdjustments };

// The Report's `kind` of each: "manage-fba-inventory", "afn-inventory", "fba-ledger",
// "fba-adjustments" ("" for kDetect).
std::string_view to_string(FbaReportKind kind);
// The inverse of to_string, for --report options; nullopt for any other text.
std::optional<FbaReportKind> parse_fba_report_kind(std::string_view text);

struct FbaOptions {
  FbaReportKind kind = FbaReportKind::kDetect;
  TextEncoding encoding = TextEncoding::kAuto;  // kAuto: UTF-8 when the bytes are valid UTF-8, else windows-1252
};

// Reads one FBA report (TAB-separated, quoting off, CRLF or LF, gzip accepted) into a Report with
// system "fba". SKUs, FNSKUs and ASINs stay strings as written. Quantity reports fill
// `quantities` (compared: afn-warehouse-quantity, or the AFN report's sellable + unsellable rows;
// the other figures in `details`); the ledger and adjustments reports fill `movements`, each with
// a `key` that is the same when the same row is read again. Every problem is an entry of
// `errors` (line, column, the value); Amazon's own identities that do not hold are `notes`.
// The files carry no as-of time: `as_of_ms` stays empty. Pure; never throws.
Report read_fba_report(std::string_view bytes, const FbaOptions& options = {});

}  // namespace recount::hub::channels::fba
