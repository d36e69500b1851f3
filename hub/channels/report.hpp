// What a connected system reported, read from one of its files (docs/channels.md): the
// connectors (fba/, shopify/, pos/) turn a file into a Report without touching the ledger, and
// the hub applies it in one transaction (quantities become `snapshot` events compared with the
// ledger at their as-of time; movements become ledger movements). Plain values, no behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/catalog/csv.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::channels {

// One quantity a system holds of a SKU, as of the report's time.
struct ReportedQuantity {
  std::size_t line = 0;         // where the file said it, for FILE:LINE messages
  std::string sku;              // as the system spells it: a string (leading zeros, 24 digits kept)
  std::string system_location;  // the system's own name of where ("" when the file has one place);
                                // the import maps it to a recount site/location
  std::int64_t quantity = 0;    // what is compared with the ledger (FBA: afn-warehouse-quantity;
                                // Shopify: On hand)
  // Other quantities the file gives, kept and shown but not compared (FBA: fulfillable,
  // unsellable, reserved, inbound-working/-shipped/-receiving; Shopify: available, committed, …).
  std::map<std::string, std::int64_t> details;
  std::string item_ref;  // the system's own identity of the item when it is not the SKU (FBA
                         // FNSKU/ASIN, Shopify Handle + option values), for listing unmapped items
};

// One movement a system reports (a POS sale, return or damage; an FBA ledger receipt, shipment or
// adjustment), to become a ledger movement of the site.
struct ReportedMovement {
  std::size_t line = 0;
  std::int64_t time_ms = 0;  // when it happened (event time), Unix ms
  std::string sku;           // empty when only a barcode is given (the import resolves it)
  std::string barcode;
  std::string system_location;
  EventType type = EventType::kAdjust;  // kSale (-qty), kAdjust (signed qty with a reason), kReceive …
  std::int64_t qty = 0;                 // as the event type wants it (kAdjust: signed)
  std::optional<ReasonCode> reason;
  // What makes importing the same row again a no-op: e.g. "register/receipt/line" for a POS
  // journal, the ledger row's own identity for FBA. The import derives the event id from it.
  std::string key;
  std::string reference;  // shown with the event (receipt, shipment id, …)
};

struct Report {
  std::string system;                    // "fba", "shopify", "pos", …
  std::string kind;                      // which file it was: "manage-fba-inventory", "afn-inventory",
                                         // "fba-ledger", "shopify-on-hand-wide", "pos-journal", …
  std::optional<std::int64_t> as_of_ms;  // when the file says; the import's --as-of overrides it
  std::vector<ReportedQuantity> quantities;
  std::vector<ReportedMovement> movements;
  // When not empty the file is refused as a whole and nothing is applied (FILE:LINE: COLUMN:
  // message, as ImportError says it).
  std::vector<ImportError> errors;
  // Kept and reported, never a reason to refuse (e.g. an Amazon identity that does not hold:
  // warehouse ≠ fulfillable + unsellable + reserved; a duplicate SKU whose rows were summed).
  std::vector<ImportError> notes;
};

}  // namespace recount::hub::channels
