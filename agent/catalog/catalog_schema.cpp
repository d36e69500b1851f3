// Schema migrations of the agent catalog's tables.
#include "agent/catalog/catalog_schema.hpp"

#include <iterator>

#include "agent/journal/journal_file.hpp"

namespace recount::agent {
namespace {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
const storage::MigrationStep kSteps[] = {
    // 1 (journal schema 2): the site's catalog and recount tasks as last received from the hub,
    // and scans that matched nothing in the catalog (agent/catalog/catalog_store.hpp).
    {R"sql(
    CREATE TABLE catalog_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE catalog_items (sku TEXT PRIMARY KEY, description TEXT, item_class TEXT);
    CREATE TABLE catalog_barcodes (code TEXT PRIMARY KEY, sku TEXT NOT NULL, pack_qty INTEGER NOT NULL);
    CREATE TABLE catalog_locations (location TEXT PRIMARY KEY, label TEXT, location_class TEXT);
    CREATE INDEX catalog_locations_by_label ON catalog_locations(label);
    CREATE TABLE tasks (
      task_id TEXT PRIMARY KEY, location TEXT NOT NULL, sku TEXT, lot TEXT, round INTEGER NOT NULL,
      exclude_user TEXT, hint TEXT, created_ms INTEGER NOT NULL, acked_seq INTEGER
    );
    CREATE TABLE unresolved_scans (
      id INTEGER PRIMARY KEY, wall_ms INTEGER NOT NULL, barcode TEXT NOT NULL, mode TEXT NOT NULL,
      user TEXT, location TEXT, to_location TEXT, ref TEXT, reason TEXT, session TEXT, task_id TEXT,
      lot TEXT, expiry TEXT, serial TEXT, qty INTEGER NOT NULL, resolved_seq INTEGER
    );
    )sql"},
    // 2 (journal schema 4): the site's floor users from the catalog; pin_hash is
    // crypto::hash_pin()'s text, NULL for a user without a PIN.
    {R"sql(
    CREATE TABLE catalog_users (badge TEXT PRIMARY KEY, name TEXT, role TEXT, pin_hash TEXT);
    )sql"},
    // 3: the unknown_barcode event that reported a held scan to the hub (held_scans.hpp); NULL
    // for the scans held before, which `recount-agent run` reports when it starts.
    {R"sql(
    ALTER TABLE unresolved_scans ADD COLUMN reported_seq INTEGER;
    )sql"},
    // 4: what each task asks for, protocol::TaskKind's name: 'recount' (the tasks held before,
    // which were all recounts) or 'planned' (docs/protocol.md §9).
    {R"sql(
    ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'recount';
    )sql"},
    // 5: chunked catalogs (shared/protocol/catalog_chunks.hpp). Items and barcodes note the chunk
    // they came in (NULL: a catalog that came whole); the chunks of the version held, by hash;
    // chunks received and not applied yet, as they came.
    {R"sql(
    ALTER TABLE catalog_items ADD COLUMN chunk TEXT;
    ALTER TABLE catalog_barcodes ADD COLUMN chunk TEXT;
    CREATE INDEX catalog_items_by_chunk ON catalog_items(chunk);
    CREATE INDEX catalog_barcodes_by_chunk ON catalog_barcodes(chunk);
    CREATE TABLE catalog_chunks_held (chunk TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
    CREATE TABLE catalog_chunks_received (chunk TEXT PRIMARY KEY, sha256 TEXT NOT NULL, payload BLOB NOT NULL);
    )sql"},
};

}  // namespace

storage::SchemaComponent catalog_schema() {
  return storage::SchemaComponent{"agent_catalog",
                                  "recount-agent",
                                  {std::begin(kSteps), std::end(kSteps)},
                                  storage::shared_user_version({2, 4}, kLastJournalSchema)};
}

}  // namespace recount::agent
