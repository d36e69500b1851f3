// Applying a connected system's report (docs/channels.md): its quantities become `snapshot`
// events that reconciliation compares with the ledger as of the report's time, its movements
// become ledger movements of the site, the whole file in one write transaction or nothing, and
// importing the same file again changes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/channels/channel_store.hpp"
#include "hub/channels/report.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/writes/hub_writer.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::channels {

// Where a site's movements land when the import names no location and the site's catalog has
// no location of class kSalesFloorClass: the register's shelf.
inline constexpr std::string_view kDefaultSalesFloor = "SALES-FLOOR";
inline constexpr std::string_view kSalesFloorClass = "sales_floor";

struct ImportRequest {
  std::string site;
  std::optional<std::int64_t> as_of_ms;  // overrides the report's own; else the import's time
  std::string location;                  // where movements land; "" for the site's sales floor
  // The system's location names → recount locations ("" for the whole site). Empty: every
  // quantity is the whole site's (a system's locations summed). Not empty: a quantity at a
  // location the map lacks is left out, with a note.
  std::map<std::string, std::string> locations;
  std::string actor;  // who imported it, for the audit
};

// What an import did, or why it stored nothing (errors not empty).
struct ImportOutcome {
  std::string system;
  std::string kind;
  std::int64_t as_of_ms = 0;
  std::size_t rows = 0;       // quantities and movements the report gave
  std::size_t stored = 0;     // events this import stored
  std::size_t unchanged = 0;  // events an earlier import stored already
  std::vector<ImportError> errors;
  std::vector<ImportError> notes;
  std::vector<UnmappedSku> unmapped;  // SKUs the catalog does not know: listed, not imported
};

// The event id of a snapshot (a UUIDv8 from the SHA-256 of its identity): the same report
// imported again finds the event it stored.
std::string snapshot_event_id(std::string_view system, std::string_view site, std::string_view location,
                              std::string_view sku, std::int64_t as_of_ms);
// The event id of a system's movement, from the system and the row's own key.
std::string movement_event_id(std::string_view system, std::string_view key);

// Applies `report` (read from `bytes`, for the file's SHA-256) for request.site through `writer`
// in one write transaction: checks the site and the as-of time (not in the future); resolves
// each SKU through the system's aliases and the catalog (a POS barcode through the catalog's
// barcodes, times its pack quantity), listing the unknown; sums quantities per (location, SKU);
// stores each as a snapshot hub event and its system names and figures (ChannelStore), each
// movement as a hub event at request.location (else the site's sales floor); tells the outbox
// what the report shows of the corrections sent before (observe_report); audits the import
// ("channels.import": actor, SHA-256, rows, stored, unchanged, notes, unmapped) and records it.
// A snapshot or movement stored before with other figures is an error on its line (a stored
// event is never rewritten). A rejected report stores only its audit entry
// ("channels.import_rejected"). Returns the outcome; an Error only when SQLite fails. Blocks.
Result<ImportOutcome> import_report(HubWriter& writer, Ledger& ledger, CatalogStore& catalog, ChannelStore& channels,
                                    const Report& report, std::string_view bytes, const ImportRequest& request);

}  // namespace recount::hub::channels
