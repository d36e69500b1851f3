// Schema migrations of the hub database.
#include "hub/ledger/schema.hpp"

#include <array>
#include <string>
#include <string_view>

namespace recount::hub {
namespace {

// Migration i (0-based) takes the schema from version i to i + 1. Append new migrations; never
// edit one that has shipped, because databases in the field already ran it.
constexpr std::array<std::string_view, 6> kMigrations = {
    // 1: events, per-epoch cursors, devices with their last status, dead letters, audit log.
    R"sql(
CREATE TABLE events (
  device      TEXT    NOT NULL,
  epoch       TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  site        TEXT    NOT NULL,
  user        TEXT,
  location    TEXT,
  to_location TEXT,
  sku         TEXT,
  lot         TEXT,
  expiry      TEXT,
  serial      TEXT,
  qty         INTEGER NOT NULL,
  reason      TEXT,
  ref         TEXT,
  session     TEXT,
  task_id     TEXT,
  barcode     TEXT,
  system      TEXT,
  wall_ms     INTEGER NOT NULL,
  hlc         INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (device, epoch, seq)
);

-- acked_through: the highest seq N such that every seq 1..N of this epoch is in events or
-- dead_letters. events: how many rows of events this epoch has (kept with the cursor so stats
-- need not count millions of rows).
CREATE TABLE cursors (
  device        TEXT    NOT NULL,
  epoch         TEXT    NOT NULL,
  site          TEXT    NOT NULL,
  acked_through INTEGER NOT NULL,
  events        INTEGER NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL,
  PRIMARY KEY (device, epoch)
) WITHOUT ROWID;

-- One row per device that ever sent anything; status_* hold its last status message.
CREATE TABLE devices (
  device                TEXT PRIMARY KEY,
  site                  TEXT    NOT NULL,
  last_seen_ms          INTEGER NOT NULL,
  status_state          TEXT,
  status_backlog        INTEGER,
  status_acked_through  INTEGER,
  status_skew_ms        INTEGER,
  status_wall_ms        INTEGER,
  status_received_ms    INTEGER
) WITHOUT ROWID;

-- seq is set for a single rejected event and NULL for a rejected payload. payload holds the
-- event's JSON or the raw payload (cut at a limit; payload_bytes is the size received).
CREATE TABLE dead_letters (
  id            INTEGER PRIMARY KEY,
  received_ms   INTEGER NOT NULL,
  topic         TEXT    NOT NULL,
  site          TEXT    NOT NULL,
  device        TEXT    NOT NULL,
  epoch         TEXT    NOT NULL,
  seq           INTEGER,
  event_id      TEXT    NOT NULL,
  field         TEXT    NOT NULL,
  reason        TEXT    NOT NULL,
  payload       BLOB    NOT NULL,
  payload_bytes INTEGER NOT NULL
);
CREATE UNIQUE INDEX dead_letters_by_event ON dead_letters (device, epoch, seq) WHERE seq IS NOT NULL;
CREATE INDEX dead_letters_by_device ON dead_letters (device, id);

-- hash = SHA-256(prev_hash || canonical entry); see hub/ledger/audit_log.hpp.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at_ms     INTEGER NOT NULL,
  kind      TEXT    NOT NULL,
  subject   TEXT    NOT NULL,
  detail    TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL
);
-- Append-only for the hub's own code; the hash chain is what catches anyone who drops these.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 2: the catalog (hub/catalog): items with their barcodes and pack sizes, sites' locations,
    // and the version the catalogs published to devices carry.
    R"sql(
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
)sql",
    // 3: the hub's own journal epoch (16 random hex digits, like a device's), under which it
    // stores the events it makes itself: reconciliation's adjustments.
    R"sql(
CREATE TABLE hub_journal (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL);
INSERT INTO hub_journal(id, epoch) VALUES (1, lower(hex(randomblob(8))));
)sql",
    // 4: the people on each site's floor (hub/catalog, the users import), published with the
    // site's catalog. A PIN is kept only as crypto::hash_pin() makes it; '' when the user has none.
    R"sql(
CREATE TABLE floor_users (
  site     TEXT NOT NULL,
  badge    TEXT NOT NULL,
  name     TEXT NOT NULL,
  role     TEXT NOT NULL,
  pin_hash TEXT NOT NULL,
  PRIMARY KEY (site, badge)
);
)sql",
    // 5: events become append-only like the audit log, whose entries now record their digest
    // (hub/ledger/event_digest.hpp); Ledger::open records the events stored before this.
    R"sql(
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
)sql",
    // 6: hostile input. Conflicts: a different event sent at a (device, epoch, seq) already
    // stored, both versions in their wire form, until an operator reviews them. Dead-letter
    // quotas per device ('' for payloads whose topic named none), seeded from what is stored.
    // The stamp reconciliation orders an event by when its own was far from its arrival, and
    // how many of a device's events were so flagged.
    R"sql(
CREATE TABLE conflicts (
  id                 INTEGER PRIMARY KEY,
  site               TEXT    NOT NULL,
  device             TEXT    NOT NULL,
  epoch              TEXT    NOT NULL,
  seq                INTEGER NOT NULL,
  stored_event       TEXT    NOT NULL,
  stored_received_ms INTEGER NOT NULL,
  event              TEXT    NOT NULL,
  received_ms        INTEGER NOT NULL,
  reviewed_ms        INTEGER,
  reviewed_by        TEXT,
  UNIQUE (device, epoch, seq, event)
);
CREATE INDEX conflicts_unreviewed ON conflicts (id) WHERE reviewed_ms IS NULL;
CREATE TABLE dead_letter_quota (
  device   TEXT PRIMARY KEY,
  letters  INTEGER NOT NULL,
  bytes    INTEGER NOT NULL,
  overflow INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO dead_letter_quota (device, letters, bytes, overflow)
  SELECT device, COUNT(*), SUM(length(payload)), 0 FROM dead_letters GROUP BY device;
ALTER TABLE events ADD COLUMN reconcile_hlc INTEGER;
ALTER TABLE devices ADD COLUMN clock_flagged INTEGER NOT NULL DEFAULT 0;
)sql",
};

}  // namespace

Result<int> schema_version(storage::Database& database) {
  auto statement = database.prepare("PRAGMA user_version");
  if (!statement) return statement.error();
  auto row = statement->step();
  if (!row) return row.error();
  return static_cast<int>(statement->column_int(0));
}

int current_schema_version() { return static_cast<int>(kMigrations.size()); }

Result<void> migrate(storage::Database& database) {
  auto version = schema_version(database);
  if (!version) return version.error();
  if (*version > current_schema_version()) {
    return Error{ErrorCode::kUnsupportedVersion, "",
                 database.path().string() + " has schema version " + std::to_string(*version) +
                     " but this recount-hub knows versions up to " + std::to_string(current_schema_version()) +
                     "; run a newer recount-hub"};
  }
  for (int next = *version; next < current_schema_version(); ++next) {
    auto transaction = storage::Transaction::begin(database);
    if (!transaction) return transaction.error();
    if (auto ok = database.execute(kMigrations[static_cast<std::size_t>(next)]); !ok) return ok;
    if (auto ok = database.execute("PRAGMA user_version = " + std::to_string(next + 1)); !ok) return ok;
    if (auto ok = transaction->commit(); !ok) return ok;
  }
  return {};
}

}  // namespace recount::hub
