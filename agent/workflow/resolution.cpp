// Resolving kept scans.
#include "agent/workflow/resolution.hpp"

#include <utility>

#include "agent/workflow/work_mode.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::agent {

std::string catalog_key(const std::string& kept_barcode) {
  if (!kept_barcode.starts_with("(")) return kept_barcode;
  auto parsed = gs1::parse(kept_barcode);
  if (!parsed) return kept_barcode;
  return parsed->gtin().value_or(parsed->content_gtin().value_or(kept_barcode));
}

Event resolved_event(const UnresolvedScan& scan, const BarcodeMatch& match) {
  Event item;
  item.user = scan.user;
  item.location = scan.location;
  item.sku = match.sku;
  item.lot = scan.lot;
  item.expiry = scan.expiry;
  item.serial = scan.serial;
  item.session = scan.session;
  item.task_id = scan.task_id;
  item.barcode = scan.barcode;
  const auto mode = parse_work_mode(scan.mode).value_or(WorkMode::kCount);
  return item_event(mode, ModeContext{scan.to_location, scan.reference, parse_reason_code(scan.reason)},
                    scan.qty * match.pack_qty, std::move(item));
}

}  // namespace recount::agent
