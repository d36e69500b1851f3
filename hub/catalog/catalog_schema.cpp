// Schema migrations of the hub catalog's tables.
#include "hub/catalog/catalog_schema.hpp"

#include "hub/ledger/schema.hpp"

namespace recount::hub {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent catalog_schema() {
  return storage::SchemaComponent{
      "hub_catalog",
      "recount-hub",
      {// 1 (hub schema 2): the catalog (hub/catalog): items with their barcodes and pack sizes, sites' locations,
       // and the version the catalogs published to devices carry.
       {R"sql(
CREATE TABLE catalog_items (
  sku             TEXT    PRIMARY KEY,
  description     TEXT    NOT NULL,
  unit_cost_cents INTEGER NOT NULL,
  item_class      TEXT    NOT NULL
);
CREATE TABLE catalog_barcodes (
  code     TEXT    PRIMARY KEY,  -- GTINs as GTIN-14, other codes as imported
  sku      TEXT    NOT NULL REFERENCES catalog_items(sku),
  pack_qty INTEGER NOT NULL
);
CREATE INDEX catalog_barcodes_by_sku ON catalog_barcodes(sku);
CREATE TABLE catalog_locations (
  site           TEXT NOT NULL,
  location       TEXT NOT NULL,
  label          TEXT NOT NULL,
  location_class TEXT NOT NULL,
  PRIMARY KEY (site, location)
);
CREATE TABLE catalog_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO catalog_version(id, version) VALUES (1, 0);
)sql"},
       // 2 (hub schema 4): the people on each site's floor (hub/catalog, the users import), published with the
       // site's catalog. A PIN is kept only as crypto::hash_pin() makes it; '' when the user has none.
       {R"sql(
CREATE TABLE floor_users (
  site     TEXT NOT NULL,
  badge    TEXT NOT NULL,
  name     TEXT NOT NULL,
  role     TEXT NOT NULL,
  pin_hash TEXT NOT NULL,
  PRIMARY KEY (site, badge)
);
)sql"}},
      storage::shared_user_version({2, 4}, kLastHubSchema)};
}

Result<void> migrate_catalog(storage::Database& database) {
  const storage::SchemaComponent components[] = {catalog_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub
