// Scans the catalog did not know, recorded once it does (`recount-agent resolve`): the catalog
// key of a kept barcode, and the event the scan's mode records for it.
#pragma once

#include <string>

#include "agent/catalog/catalog_store.hpp"
#include "shared/domain/event.hpp"

namespace recount::agent {

// What to look `kept_barcode` (UnresolvedScan::barcode) up by in the catalog: a GS1 scan is kept
// in its bracketed form, and the catalog knows its GTIN (or, for a logistic unit, the GTIN of
// its contents); any other barcode, or bracketed text that does not parse, as it is. Pure.
std::string catalog_key(const std::string& kept_barcode);

// The event `scan` records now that the catalog knows its barcode as `match`: what the scan's
// mode records (item_event; an unknown mode counts) for scan.qty packs of match.pack_qty units,
// with the user, locations, reference, reason, session, task, lot, expiry and serial it was kept
// with. Pure; the journal assigns seq, id and times.
Event resolved_event(const UnresolvedScan& scan, const BarcodeMatch& match);

}  // namespace recount::agent
