// Schema migrations of the unknown-barcode tables.
#include "hub/unknown/unknown_schema.hpp"

#include <string_view>

namespace recount::hub {
namespace {

// The tables on PostgreSQL at version 1, in its types (INTEGER is 32-bit there: BIGINT).
constexpr std::string_view kPostgresUnknownBarcodes = R"sql(
CREATE TABLE unknown_barcodes (
  site          TEXT   NOT NULL,
  barcode       TEXT   NOT NULL,
  scans         BIGINT NOT NULL,
  applied       BIGINT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  last_seen_ms  BIGINT NOT NULL,
  sku           TEXT,
  pack_qty      BIGINT,
  mapped_by     TEXT,
  mapped_ms     BIGINT,
  PRIMARY KEY (site, barcode)
);
CREATE TABLE unknown_barcode_devices (
  site    TEXT NOT NULL,
  barcode TEXT NOT NULL,
  device  TEXT NOT NULL,
  PRIMARY KEY (site, barcode, device)
);
)sql";

}  // namespace

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent unknown_barcodes_schema() {
  return storage::SchemaComponent{"unknown_barcodes",
                                  "recount-hub",
                                  {{R"sql(
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
)sql"}},
                                  {},
                                  storage::SchemaComponent::Postgres{1, kPostgresUnknownBarcodes}};
}

Result<void> migrate_unknown_barcodes(storage::Connection& database) {
  const storage::SchemaComponent components[] = {unknown_barcodes_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub
