// Scans the device's catalog did not know ("held scans", docs/catalog.md §8): holding one with the
// unknown_barcode event that tells the hub, reporting those an older agent held without one, and
// applying them as the events they should have been once the catalog knows their barcode. The
// scan UI, `recount-agent resolve` and the daemon (`run`) all go through here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

// The code the hub files a held scan under: what the catalog is searched by
// (normalize_barcode(catalog_key(kept_barcode))), so an operator maps exactly the code that makes
// the scan resolve. Pure.
std::string held_scan_key(const std::string& kept_barcode);

// Holds `scan` (its id and seqs are ignored) and records its unknown_barcode event in one commit;
// returns the held scan's id. Errors: the journal's (nothing was stored).
Result<std::int64_t> hold_scan(Journal& journal, UnresolvedScan scan);

// Records the unknown_barcode event of every waiting scan not reported yet (held by an agent
// before the report existed), each in one commit with its claim; returns how many it reported. A
// scan another process reports meanwhile is skipped. Errors: the store's or the journal's; the
// scans reported before the error stay reported.
Result<std::size_t> report_held_scans(Journal& journal, CatalogStore& store);

struct AppliedScan {
  std::int64_t id = 0;
  std::string barcode;  // as kept
  std::string sku;
  std::uint64_t seq = 0;  // of the event it was recorded as
};

struct FailedScan {
  std::int64_t id = 0;
  Error error;
};

struct HeldScanRun {
  std::vector<AppliedScan> applied;
  std::vector<FailedScan> failed;  // the event the scan's context makes is not valid; still held
  std::size_t waiting = 0;         // held scans looked at (applied, failed or still unknown)
};

// Records each waiting scan whose barcode the catalog now knows as resolved_event(), together
// with a barcode_applied event that tells the hub (and the scan's unknown_barcode event first, if
// it was never reported), and marks it resolved: one commit per scan, so each is applied exactly
// once even when two processes apply at once (the later one finds it claimed and rolls back).
// Errors: the store's or the journal's I/O; what was applied before stays applied.
Result<HeldScanRun> apply_held_scans(Journal& journal, CatalogStore& store);

}  // namespace recount::agent
