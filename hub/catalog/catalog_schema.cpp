// Schema migrations of the hub catalog's tables.
#include "hub/catalog/catalog_schema.hpp"

#include "hub/ledger/schema.hpp"

namespace recount::hub {
namespace {

// The catalog on PostgreSQL at version 4: the tables of the SQLite steps below in PostgreSQL's
// types (INTEGER is 32-bit there: BIGINT). The staging tables of step 3 are not among them: on
// PostgreSQL each import makes them as temporary tables of its session (begin_import_staging).
constexpr std::string_view kPostgresCatalog = R"sql(
CREATE TABLE catalog_items (
  sku             TEXT   PRIMARY KEY,
  description     TEXT   NOT NULL,
  unit_cost_cents BIGINT NOT NULL,
  item_class      TEXT   NOT NULL
);
CREATE TABLE catalog_barcodes (
  code     TEXT   PRIMARY KEY,
  sku      TEXT   NOT NULL REFERENCES catalog_items(sku),
  pack_qty BIGINT NOT NULL
);
CREATE INDEX catalog_barcodes_by_sku ON catalog_barcodes(sku);
CREATE TABLE catalog_locations (
  site           TEXT NOT NULL,
  location       TEXT NOT NULL,
  label          TEXT NOT NULL,
  location_class TEXT NOT NULL,
  PRIMARY KEY (site, location)
);
CREATE INDEX catalog_locations_by_label ON catalog_locations(site, label);
CREATE TABLE catalog_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO catalog_version(id, version) VALUES (1, 0);
CREATE TABLE floor_users (
  site     TEXT NOT NULL,
  badge    TEXT NOT NULL,
  name     TEXT NOT NULL,
  role     TEXT NOT NULL,
  pin_hash TEXT NOT NULL,
  PRIMARY KEY (site, badge)
);
)sql";

// The staging tables of step 3 as temporary tables of a PostgreSQL session: only the session
// that imports sees them (two hubs on one database may import at once), and every commit empties
// them. A reconnected session has none, so each import makes them if missing.
constexpr std::string_view kPostgresStaging = R"sql(
CREATE TEMP TABLE IF NOT EXISTS import_items (
  sku             TEXT   PRIMARY KEY,
  description     TEXT   NOT NULL,
  unit_cost_cents BIGINT NOT NULL,
  item_class      TEXT   NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_barcodes (
  code     TEXT   PRIMARY KEY,
  sku      TEXT   NOT NULL,
  pack_qty BIGINT NOT NULL,
  line     BIGINT NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_locations (
  site           TEXT   NOT NULL,
  location       TEXT   NOT NULL,
  label          TEXT,
  location_class TEXT   NOT NULL,
  line           BIGINT NOT NULL,
  PRIMARY KEY (site, location)
) ON COMMIT DELETE ROWS;
CREATE INDEX IF NOT EXISTS import_locations_by_label ON import_locations(site, label);
CREATE TEMP TABLE IF NOT EXISTS import_users (
  site     TEXT   NOT NULL,
  badge    TEXT   NOT NULL,
  name     TEXT   NOT NULL,
  role     TEXT   NOT NULL,
  pin_hash TEXT,
  line     BIGINT NOT NULL,
  PRIMARY KEY (site, badge)
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_user_sites (
  site    TEXT   PRIMARY KEY,
  users   BIGINT NOT NULL,
  changed BIGINT NOT NULL DEFAULT 0
) ON COMMIT DELETE ROWS;
)sql";

}  // namespace

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
)sql"},
       // 3: staging tables of the catalog imports, so that a file of any size is read a row at a
       // time: within an import's write transaction they hold what the file said so far, for the checks that span
       // rows (a code twice, an item's rows disagreeing) and the final copy into the tables above; empty otherwise.
       {R"sql(
CREATE TABLE import_items (
  sku             TEXT    PRIMARY KEY,
  description     TEXT    NOT NULL,
  unit_cost_cents INTEGER NOT NULL,
  item_class      TEXT    NOT NULL
);
CREATE TABLE import_barcodes (
  code     TEXT    PRIMARY KEY,
  sku      TEXT    NOT NULL,
  pack_qty INTEGER NOT NULL,
  line     INTEGER NOT NULL
);
CREATE TABLE import_locations (
  site           TEXT    NOT NULL,
  location       TEXT    NOT NULL,
  label          TEXT,   -- NULL when the row repeats another's label (an error)
  location_class TEXT    NOT NULL,
  line           INTEGER NOT NULL,
  PRIMARY KEY (site, location)
);
CREATE INDEX import_locations_by_label ON import_locations(site, label);
CREATE TABLE import_users (
  site  TEXT    NOT NULL,
  badge TEXT    NOT NULL,
  name  TEXT    NOT NULL,
  role  TEXT    NOT NULL,
  pin_hash TEXT,  -- NULL until the file has no error; a PIN is never stored in clear, not even here
  line  INTEGER NOT NULL,
  PRIMARY KEY (site, badge)
);
CREATE TABLE import_user_sites (
  site    TEXT    PRIMARY KEY,
  users   INTEGER NOT NULL,
  changed INTEGER NOT NULL DEFAULT 0
);
)sql"},
       // 4: an import checks each row's label against the locations that keep theirs; without this
       // index that was a scan of the site's locations per row, quadratic in a big site's file.
       {R"sql(
CREATE INDEX catalog_locations_by_label ON catalog_locations(site, label);
)sql"}},
      // Steps 3 and 4 came after PRAGMA user_version was retired: no older hub.db has run them, so they
      // "reached" a user_version none wrote (and a file above kLastHubSchema is still newer than every step).
      storage::shared_user_version({2, 4, kLastHubSchema + 1, kLastHubSchema + 1}, kLastHubSchema),
      storage::SchemaComponent::Postgres{4, kPostgresCatalog}};
}

Result<void> migrate_catalog(storage::Connection& database) {
  const storage::SchemaComponent components[] = {catalog_schema()};
  return storage::migrate(database, components);
}

Result<void> begin_import_staging(storage::Connection& database) {
  if (database.dialect() == storage::Dialect::kPostgres) return database.execute(kPostgresStaging);
  return clear_import_staging(database);
}

Result<void> clear_import_staging(storage::Connection& database) {
  if (database.dialect() == storage::Dialect::kPostgres) {
    return database.execute(
        "TRUNCATE import_items, import_barcodes, import_locations, import_users, import_user_sites");
  }
  return database.execute(
      "DELETE FROM import_items; DELETE FROM import_barcodes; DELETE FROM import_locations; DELETE FROM import_users; "
      "DELETE FROM import_user_sites");
}

}  // namespace recount::hub
