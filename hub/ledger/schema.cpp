// Schema migrations of the ledger's tables.
#include "hub/ledger/schema.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "hub/ledger/audit_log.hpp"
#include "hub/ledger/event_digest.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// In the migration to kEventsRecordedVersion: appends an "audit.events_recorded" entry with the
// digest of every event stored so far, if any, so that the events stored before entries recorded
// them are covered too. Done once: an older hub that crashed before its migration committed left
// the entry behind.
Result<void> record_earlier_events(storage::Database& database, std::int64_t now_ms) {
  auto done = database.prepare("SELECT 1 FROM audit_log WHERE kind = 'audit.events_recorded' LIMIT 1");
  if (!done) return done.error();
  auto found = done->step();
  if (!found) return found.error();
  done->reset();
  if (*found) return {};
  auto audit = AuditLog::prepare(database);
  if (!audit) return audit.error();
  auto rows = database.prepare(EventDigester::select_in_storage_order());
  if (!rows) return rows.error();
  EventDigester digester;
  while (true) {
    auto row = rows->step();
    if (!row) return row.error();
    if (!*row) break;
    digester.add_row(*rows);
  }
  rows->reset();
  if (digester.count() == 0) return {};
  const Json detail = {{"schema_version", kEventsRecordedVersion}, {kEventsMember, to_json(digester.finish())}};
  if (auto entry = audit->append(now_ms, "audit.events_recorded", "events", detail.dump()); !entry)
    return entry.error();
  return {};
}

std::function<Result<void>(storage::Database&)> record_earlier_events(WallClock wall) {
  return [wall = std::move(wall)](storage::Database& database) { return record_earlier_events(database, wall()); };
}

}  // namespace

// Step i takes the tables from version i to i + 1. Append new steps; never edit one that has
// shipped, because databases in the field already ran it.
storage::SchemaComponent ledger_schema(WallClock wall) {
  return storage::SchemaComponent{
      "ledger",
      "recount-hub",
      {// 1 (hub schema 1): events, per-epoch cursors, devices with their last status, dead letters, audit log.
       {R"sql(
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
)sql"},
       // 2 (hub schema 3): the hub's own journal epoch (16 random hex digits, like a device's), under which it
       // stores the events it makes itself: reconciliation's adjustments.
       {R"sql(
CREATE TABLE hub_journal (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL);
INSERT INTO hub_journal(id, epoch) VALUES (1, lower(hex(randomblob(8))));
)sql"},
       // 3 (hub schema 5): events become append-only like the audit log, whose entries now record their digest
       // (hub/ledger/event_digest.hpp); this step records the events stored before it.
       {R"sql(
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
)sql",
        record_earlier_events(wall)},
       // 4 (hub schema 6): hostile input. Conflicts: a different event sent at a (device, epoch, seq) already
       // stored, both versions in their wire form, until an operator reviews them. Dead-letter
       // quotas per device ('' for payloads whose topic named none), seeded from what is stored.
       // The stamp reconciliation orders an event by when its own was far from its arrival, and
       // how many of a device's events were so flagged.
       {R"sql(
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
)sql"}},
      storage::shared_user_version({1, 3, 5, 6}, kLastHubSchema)};
}

int current_schema_version() { return static_cast<int>(ledger_schema(system_wall_clock()).steps.size()); }

Result<int> schema_version(storage::Database& database) {
  return storage::schema_version(database, ledger_schema(system_wall_clock()));
}

Result<void> migrate(storage::Database& database, WallClock wall) {
  const storage::SchemaComponent components[] = {ledger_schema(std::move(wall))};
  return storage::migrate(database, components);
}

}  // namespace recount::hub
