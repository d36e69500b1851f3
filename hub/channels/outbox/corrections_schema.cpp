// Schema migrations of the corrections outbox (docs/corrections.md).
#include "hub/channels/outbox/corrections_schema.hpp"

namespace recount::hub::channels {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
storage::SchemaComponent corrections_schema() {
  return storage::SchemaComponent{"corrections", "recount-hub", {{R"sql(
CREATE TABLE corrections (
  id              INTEGER PRIMARY KEY,
  system          TEXT    NOT NULL,             -- "shopify", ...: who is told
  site            TEXT    NOT NULL,
  system_location TEXT    NOT NULL,             -- the system's own name of the place ("" : its only one)
  sku             TEXT    NOT NULL,
  on_hand         INTEGER NOT NULL,             -- the quantity the system is told to hold
  discrepancy_id  INTEGER NOT NULL,             -- the resolution that caused it; 0: none
  cause           TEXT    NOT NULL,             -- "correct-system", "approve", ...
  idempotency_key TEXT    NOT NULL UNIQUE,      -- sent with every webhook attempt
  state           TEXT    NOT NULL CHECK (state IN
                    ('pending', 'delivered', 'confirmed', 'reopened', 'failed', 'superseded')),
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,             -- the last transition
  attempts        INTEGER NOT NULL DEFAULT 0,   -- delivery rounds since it was (re)queued
  next_attempt_ms INTEGER NOT NULL,             -- not before: the retry backoff
  last_error      TEXT    NOT NULL DEFAULT '',
  file_ms         INTEGER,                      -- its outbox file was written then; NULL: not yet
  webhook_ms      INTEGER,                      -- a webhook accepted it then; NULL: not yet
  delivered_ms    INTEGER,                      -- every configured channel had it then
  closed_ms       INTEGER,                      -- confirmed or reopened by a report then
  superseded_by   INTEGER REFERENCES corrections(id)
);
CREATE INDEX corrections_by_state ON corrections(state, next_attempt_ms);
CREATE INDEX corrections_by_position ON corrections(system, site, system_location, sku, state);
)sql"}}};
}

Result<void> migrate_corrections(storage::Connection& database) {
  const storage::SchemaComponent components[] = {corrections_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub::channels
