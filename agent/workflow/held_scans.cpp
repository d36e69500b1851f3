// Holding, reporting and applying scans the catalog did not know.
#include "agent/workflow/held_scans.hpp"

#include <utility>

#include "agent/workflow/resolution.hpp"

namespace recount::agent {
namespace {

// The unknown_barcode event that reports `scan` to the hub: one scan (or scan.qty) of its code, in
// the context it was made in.
Event report_event(const UnresolvedScan& scan) {
  Event event;
  event.type = EventType::kUnknownBarcode;
  event.barcode = held_scan_key(scan.barcode);
  event.qty = scan.qty;
  event.user = scan.user;
  event.location = scan.location;
  event.to_location = scan.to_location;
  event.reference = scan.reference;
  event.session = scan.session;
  event.task_id = scan.task_id;
  event.lot = scan.lot;
  event.expiry = scan.expiry;
  event.serial = scan.serial;
  return event;
}

Event applied_event(const UnresolvedScan& scan, const BarcodeMatch& match) {
  Event event;
  event.type = EventType::kBarcodeApplied;
  event.barcode = held_scan_key(scan.barcode);
  event.sku = match.sku;
  event.qty = scan.qty;
  event.user = scan.user;
  event.location = scan.location;
  return event;
}

// claim_unresolved's refusal, not another conflict of the journal's own.
bool claimed_elsewhere(const Error& error) {
  return error.code == ErrorCode::kConflict && error.field == "unresolved_scans";
}

}  // namespace

std::string held_scan_key(const std::string& kept_barcode) { return normalize_barcode(catalog_key(kept_barcode)); }

Result<std::int64_t> hold_scan(Journal& journal, UnresolvedScan scan) {
  std::int64_t id = 0;
  const Event report = report_event(scan);
  auto recorded = journal.record_all({report}, [&](storage::Database& database, const std::vector<Event>& events) {
    scan.resolved_seq = 0;
    scan.reported_seq = events.front().seq;
    auto inserted = CatalogStore::insert_unresolved(database, scan);
    if (!inserted) return Result<void>(inserted.error());
    id = *inserted;
    return Result<void>();
  });
  if (!recorded) return recorded.error();
  return id;
}

Result<std::size_t> report_held_scans(Journal& journal, CatalogStore& store) {
  auto scans = store.unresolved(CatalogStore::Listing::kUnreported);
  if (!scans) return scans.error();
  std::size_t reported = 0;
  for (const auto& scan : *scans) {
    auto recorded =
        journal.record_all({report_event(scan)}, [&](storage::Database& database, const std::vector<Event>& events) {
          return CatalogStore::claim_unresolved(database, scan.id, CatalogStore::Claim::kReported, events.front().seq);
        });
    if (!recorded && claimed_elsewhere(recorded.error())) continue;
    if (!recorded) return recorded.error();
    ++reported;
  }
  return reported;
}

Result<HeldScanRun> apply_held_scans(Journal& journal, CatalogStore& store) {
  auto scans = store.unresolved(CatalogStore::Listing::kWaiting);
  if (!scans) return scans.error();
  HeldScanRun run;
  run.waiting = scans->size();
  for (const auto& scan : *scans) {
    auto match = store.find_barcode(catalog_key(scan.barcode));
    if (!match) return match.error();
    if (!*match) continue;
    std::vector<Event> drafts;
    if (scan.reported_seq == 0) drafts.push_back(report_event(scan));
    drafts.push_back(resolved_event(scan, **match));
    drafts.push_back(applied_event(scan, **match));
    const std::size_t resolved_index = drafts.size() - 2;
    auto recorded = journal.record_all(
        std::move(drafts), [&](storage::Database& database, const std::vector<Event>& events) -> Result<void> {
          if (scan.reported_seq == 0) {
            if (auto ok = CatalogStore::claim_unresolved(database, scan.id, CatalogStore::Claim::kReported,
                                                         events.front().seq);
                !ok) {
              return ok;
            }
          }
          return CatalogStore::claim_unresolved(database, scan.id, CatalogStore::Claim::kResolved,
                                                events[resolved_index].seq);
        });
    if (!recorded && claimed_elsewhere(recorded.error())) continue;
    if (!recorded && recorded.error().code == ErrorCode::kInvalidInput) {
      run.failed.push_back(FailedScan{scan.id, recorded.error()});
      continue;
    }
    if (!recorded) return recorded.error();
    run.applied.push_back(AppliedScan{scan.id, scan.barcode, (*match)->sku, (*recorded)[resolved_index].seq});
  }
  return run;
}

}  // namespace recount::agent
