// Schema migrations of the unknown-barcode tables.
#include "hub/unknown/unknown_schema.hpp"

namespace recount::hub {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent unknown_barcodes_schema() {
  return storage::SchemaComponent{"unknown_barcodes", "recount-hub", {{R"sql(
CREATE TABLE unknown_barcodes (
  site          TEXT    NOT NULL,
  barcode       TEXT    NOT NULL,  -- as devices look it up: GTINs as GTIN-14, other codes as scanned
  scans         INTEGER NOT NULL,  -- the qty of its unknown_barcode events
  applied       INTEGER NOT NULL,  -- the qty of its barcode_applied events
  first_seen_ms INTEGER NOT NULL,  -- device wall time of its first and last unknown_barcode event
  last_seen_ms  INTEGER NOT NULL,
  sku           TEXT,              -- NULL until an operator maps it
  pack_qty      INTEGER,
  mapped_by     TEXT,
  mapped_ms     INTEGER,
  PRIMARY KEY (site, barcode)
);
CREATE TABLE unknown_barcode_devices (
  site    TEXT NOT NULL,
  barcode TEXT NOT NULL,
  device  TEXT NOT NULL,
  PRIMARY KEY (site, barcode, device)
);
)sql"}}};
}

Result<void> migrate_unknown_barcodes(storage::Connection& database) {
  const storage::SchemaComponent components[] = {unknown_barcodes_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub
