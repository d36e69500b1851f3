// Migrations of the reconciliation tables.
#include "hub/reconcile/schema.hpp"

#include <iterator>
#include <string_view>

namespace recount::hub::reconcile {
namespace {

// Step i takes the tables from version i to i + 1. Append; never edit one that has shipped.
const storage::MigrationStep kSteps[] = {
    // 1: reconcile_meta holds applied_through (and, before schema_versions, the tables' version).
    {R"sql(
CREATE TABLE IF NOT EXISTS reconcile_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

-- On-hand now per position; lot is '' for items that are not lot-tracked.
CREATE TABLE reconcile_positions (
  id        INTEGER PRIMARY KEY,
  site      TEXT    NOT NULL,
  location  TEXT    NOT NULL,
  sku       TEXT    NOT NULL,
  lot       TEXT    NOT NULL,
  on_hand   INTEGER NOT NULL DEFAULT 0,
  movements INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX reconcile_positions_by_key ON reconcile_positions (site, location, sku, lot);
CREATE INDEX reconcile_positions_by_sku ON reconcile_positions (site, sku);

-- One row per position a movement changes (a move has two), clustered in event-time order:
-- (hlc, event_id) orders every event totally, whatever order they arrived in. delta is the
-- effect on the balance; a baseline's delta is kept equal to the balance it sets minus the
-- balance before it, so the balance as of t is on_hand minus the deltas after t.
CREATE TABLE reconcile_movements (
  position_id INTEGER NOT NULL,
  hlc         INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  qty         INTEGER NOT NULL,
  delta       INTEGER NOT NULL,
  physical    INTEGER NOT NULL,
  wall_ms     INTEGER NOT NULL,
  device      TEXT    NOT NULL,
  user        TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  reference   TEXT    NOT NULL,
  PRIMARY KEY (position_id, hlc, event_id)
) WITHOUT ROWID;
CREATE INDEX reconcile_baselines ON reconcile_movements (position_id, hlc, event_id) WHERE type = 'baseline';

-- A count group: the counts of one position in one session (they add up), or of one recount
-- task by one user, or a location_closed zero. expected is the balance as of last_hlc, kept up
-- to date as late movements arrive; role, verdict and the judged figures are set when settled,
-- with the ambiguity window they were judged under.
CREATE TABLE reconcile_groups (
  id             INTEGER PRIMARY KEY,
  position_id    INTEGER NOT NULL,
  task_id        TEXT    NOT NULL,
  session_key    TEXT    NOT NULL,
  counts         INTEGER NOT NULL,
  counted        INTEGER NOT NULL,
  first_hlc      INTEGER NOT NULL,
  last_hlc       INTEGER NOT NULL,
  closed_hlc     INTEGER,
  first_user     TEXT    NOT NULL,
  expected       INTEGER NOT NULL,
  role           TEXT,
  verdict        TEXT,
  ambiguous      INTEGER NOT NULL DEFAULT 0,
  judged_window_ms INTEGER,
  variance       INTEGER NOT NULL DEFAULT 0,
  value_cents    INTEGER NOT NULL DEFAULT 0,
  discrepancy_id INTEGER,
  received_ms    INTEGER NOT NULL,
  settled_ms     INTEGER
);
CREATE UNIQUE INDEX reconcile_groups_by_key ON reconcile_groups (position_id, task_id, session_key);
CREATE INDEX reconcile_groups_by_time ON reconcile_groups (position_id, last_hlc);

CREATE TABLE reconcile_counts (
  event_id TEXT    PRIMARY KEY,
  group_id INTEGER NOT NULL,
  hlc      INTEGER NOT NULL,
  wall_ms  INTEGER NOT NULL,
  qty      INTEGER NOT NULL,
  device   TEXT    NOT NULL,
  user     TEXT    NOT NULL,
  session  TEXT    NOT NULL,
  task_id  TEXT    NOT NULL,
  barcode  TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX reconcile_counts_by_group ON reconcile_counts (group_id, user);

CREATE TABLE reconcile_closes (
  event_id    TEXT    PRIMARY KEY,
  site        TEXT    NOT NULL,
  location    TEXT    NOT NULL,
  session_key TEXT    NOT NULL,
  task_id     TEXT    NOT NULL,
  hlc         INTEGER NOT NULL,
  wall_ms     INTEGER NOT NULL,
  device      TEXT    NOT NULL,
  user        TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX reconcile_closes_by_location ON reconcile_closes (site, location, hlc);
CREATE INDEX reconcile_closes_by_session ON reconcile_closes (site, location, session_key, hlc);

-- Groups whose figures changed and must be judged again once due_ms has come, with what
-- changed them last.
CREATE TABLE reconcile_dirty (
  group_id       INTEGER PRIMARY KEY,
  due_ms         INTEGER NOT NULL,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL
);
CREATE INDEX reconcile_dirty_by_due ON reconcile_dirty (due_ms);

-- resolution and closed_ms are set once closed; a position has at most one active discrepancy.
CREATE TABLE reconcile_discrepancies (
  id                 INTEGER PRIMARY KEY,
  site               TEXT    NOT NULL,
  position_id        INTEGER NOT NULL,
  origin_group_id    INTEGER NOT NULL,
  group_id           INTEGER NOT NULL,
  state              TEXT    NOT NULL,
  classification     TEXT    NOT NULL,
  resolution         TEXT    NOT NULL,
  expected           INTEGER NOT NULL,
  counted            INTEGER NOT NULL,
  variance           INTEGER NOT NULL,
  value_cents        INTEGER NOT NULL,
  round              INTEGER NOT NULL,
  first_user         TEXT    NOT NULL,
  opened_ms          INTEGER NOT NULL,
  updated_ms         INTEGER NOT NULL,
  closed_ms          INTEGER,
  adjust_event_id    TEXT    NOT NULL,
  adjust_qty         INTEGER NOT NULL,
  adjust_value_cents INTEGER NOT NULL,
  adjust_reason      TEXT    NOT NULL
);
CREATE UNIQUE INDEX reconcile_discrepancies_active ON reconcile_discrepancies (position_id) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_by_site ON reconcile_discrepancies (site, id);

CREATE TABLE reconcile_transitions (
  discrepancy_id INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  from_state     TEXT    NOT NULL,
  to_state       TEXT    NOT NULL,
  at_ms          INTEGER NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  PRIMARY KEY (discrepancy_id, seq)
) WITHOUT ROWID;

CREATE TABLE reconcile_tasks (
  task_id        TEXT    PRIMARY KEY,
  discrepancy_id INTEGER NOT NULL,
  site           TEXT    NOT NULL,
  position_id    INTEGER NOT NULL,
  location       TEXT    NOT NULL,
  sku            TEXT    NOT NULL,
  lot            TEXT    NOT NULL,
  round          INTEGER NOT NULL,
  exclude_user   TEXT    NOT NULL,
  hint           TEXT    NOT NULL,
  created_ms     INTEGER NOT NULL,
  state          TEXT    NOT NULL,
  acked_ms       INTEGER,
  acked_device   TEXT    NOT NULL,
  finished_ms    INTEGER
) WITHOUT ROWID;
CREATE INDEX reconcile_tasks_by_site ON reconcile_tasks (site, state);
CREATE INDEX reconcile_tasks_by_discrepancy ON reconcile_tasks (discrepancy_id);

-- The open task list's version per site; it grows with every change so devices take the newest.
CREATE TABLE reconcile_task_lists (
  site    TEXT    PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;

-- Every policy ever set; the highest version is in force.
CREATE TABLE reconcile_policies (
  version  INTEGER PRIMARY KEY,
  document TEXT    NOT NULL,
  set_ms   INTEGER NOT NULL,
  actor    TEXT    NOT NULL
);
)sql"},
    // 2: the rowid in events of the last event the projections applied (Reconciler::catch_up).
    // Until now every event was applied in the transaction that stored it.
    {R"sql(
INSERT INTO reconcile_meta (name, value) SELECT 'applied_through', coalesce(max(rowid), 0) FROM events;
)sql"},
    // 3: the console's queue (docs/api.md, GET /api/v1/discrepancies) sorts and pages by opening
    // time, absolute value, last change and site, over the active ones (partial indexes: those
    // are the few a console shows by default) or all, and counts its matches from an index; the
    // overview's measures read discrepancies by when they closed.
    {R"sql(
CREATE INDEX reconcile_discrepancies_active_by_opened ON reconcile_discrepancies (opened_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_value ON reconcile_discrepancies (abs(value_cents)) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_updated ON reconcile_discrepancies (updated_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_site ON reconcile_discrepancies (site, opened_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_by_opened ON reconcile_discrepancies (opened_ms);
CREATE INDEX reconcile_discrepancies_by_value ON reconcile_discrepancies (abs(value_cents));
CREATE INDEX reconcile_discrepancies_by_updated ON reconcile_discrepancies (updated_ms);
CREATE INDEX reconcile_discrepancies_by_closed ON reconcile_discrepancies (closed_ms) WHERE closed_ms IS NOT NULL;
)sql"},
    // 4: connected systems (docs/channels.md). A snapshot is what a system reported of a SKU at
    // a site (location '' for the whole site) as of hlc; expected is the ledger's quantity as of
    // that stamp, kept by judging it again whenever a movement at or before it arrives (due_ms is
    // set until then, like reconcile_dirty for count groups). A discrepancy names its system;
    // a connected system's one is driven by a snapshot (snapshot_id) instead of a count group, and
    // the one-active-per-position rule holds for the warehouse's own (position_id is 0 for the
    // others, whose one-active-per-subject rule the reconciler keeps through the snapshots).
    {R"sql(
CREATE TABLE reconcile_snapshots (
  id             INTEGER PRIMARY KEY,
  event_id       TEXT    NOT NULL UNIQUE,
  system         TEXT    NOT NULL,
  site           TEXT    NOT NULL,
  location       TEXT    NOT NULL,
  sku            TEXT    NOT NULL,
  hlc            INTEGER NOT NULL,
  wall_ms        INTEGER NOT NULL,
  reported       INTEGER NOT NULL,
  reference      TEXT    NOT NULL,
  received_ms    INTEGER NOT NULL,
  expected       INTEGER,
  variance       INTEGER,
  within         INTEGER,
  value_cents    INTEGER,
  settled_ms     INTEGER,
  due_ms         INTEGER,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL
);
CREATE INDEX reconcile_snapshots_by_sku ON reconcile_snapshots (site, sku, hlc);
CREATE INDEX reconcile_snapshots_by_subject ON reconcile_snapshots (system, site, location, sku, hlc);
CREATE INDEX reconcile_snapshots_due ON reconcile_snapshots (due_ms) WHERE due_ms IS NOT NULL;

ALTER TABLE reconcile_discrepancies ADD COLUMN system TEXT NOT NULL DEFAULT 'warehouse';
ALTER TABLE reconcile_discrepancies ADD COLUMN snapshot_id INTEGER;
DROP INDEX reconcile_discrepancies_active;
CREATE UNIQUE INDEX reconcile_discrepancies_active ON reconcile_discrepancies (position_id)
  WHERE closed_ms IS NULL AND snapshot_id IS NULL;
CREATE INDEX reconcile_discrepancies_by_snapshot ON reconcile_discrepancies (snapshot_id) WHERE snapshot_id IS NOT NULL;
CREATE INDEX reconcile_discrepancies_by_system ON reconcile_discrepancies (system, id);
)sql"},
    // 5: the queue's filters by state, adjust reason and classification count their matches (the
    // answer's total) from an index that holds every column they test, instead of reading each
    // row: at 100,000 discrepancies those counts read 20,000 to 70,000 rows per request. The
    // reason's index lists its matches by opening time too, the queue's default order.
    {R"sql(
CREATE INDEX reconcile_discrepancies_by_state ON reconcile_discrepancies (state, updated_ms);
CREATE INDEX reconcile_discrepancies_by_reason ON reconcile_discrepancies (adjust_reason, opened_ms, closed_ms);
CREATE INDEX reconcile_discrepancies_by_classification ON reconcile_discrepancies (classification, closed_ms);
)sql"},
};

// The reconciliation tables on PostgreSQL at version 5: what the SQLite steps above end with, in
// PostgreSQL's types (INTEGER is 32-bit there: BIGINT; INTEGER PRIMARY KEY: an identity column),
// with the same names, keys and partial indexes. "user" is a keyword there. applied_through
// starts past the events stored before the tables existed, as step 2 set it.
constexpr std::string_view kPostgresReconcile = R"sql(
CREATE TABLE reconcile_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO reconcile_meta (name, value) SELECT 'applied_through', coalesce(max(rowid), 0) FROM events;

CREATE TABLE reconcile_positions (
  id        BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  site      TEXT    NOT NULL,
  location  TEXT    NOT NULL,
  sku       TEXT    NOT NULL,
  lot       TEXT    NOT NULL,
  on_hand   BIGINT  NOT NULL DEFAULT 0,
  movements BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX reconcile_positions_by_key ON reconcile_positions (site, location, sku, lot);
CREATE INDEX reconcile_positions_by_sku ON reconcile_positions (site, sku);

CREATE TABLE reconcile_movements (
  position_id BIGINT  NOT NULL,
  hlc         BIGINT  NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  qty         BIGINT  NOT NULL,
  delta       BIGINT  NOT NULL,
  physical    BIGINT  NOT NULL,
  wall_ms     BIGINT  NOT NULL,
  device      TEXT    NOT NULL,
  "user"      TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  reference   TEXT    NOT NULL,
  PRIMARY KEY (position_id, hlc, event_id)
);
CREATE INDEX reconcile_baselines ON reconcile_movements (position_id, hlc, event_id) WHERE type = 'baseline';

CREATE TABLE reconcile_groups (
  id               BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  position_id      BIGINT  NOT NULL,
  task_id          TEXT    NOT NULL,
  session_key      TEXT    NOT NULL,
  counts           BIGINT  NOT NULL,
  counted          BIGINT  NOT NULL,
  first_hlc        BIGINT  NOT NULL,
  last_hlc         BIGINT  NOT NULL,
  closed_hlc       BIGINT,
  first_user       TEXT    NOT NULL,
  expected         BIGINT  NOT NULL,
  role             TEXT,
  verdict          TEXT,
  ambiguous        BIGINT  NOT NULL DEFAULT 0,
  judged_window_ms BIGINT,
  variance         BIGINT  NOT NULL DEFAULT 0,
  value_cents      BIGINT  NOT NULL DEFAULT 0,
  discrepancy_id   BIGINT,
  received_ms      BIGINT  NOT NULL,
  settled_ms       BIGINT
);
CREATE UNIQUE INDEX reconcile_groups_by_key ON reconcile_groups (position_id, task_id, session_key);
-- SQLite's index ends in the rowid; here id is spelt out, for the scans ordered by it.
CREATE INDEX reconcile_groups_by_time ON reconcile_groups (position_id, last_hlc, id);

CREATE TABLE reconcile_counts (
  event_id TEXT    PRIMARY KEY,
  group_id BIGINT  NOT NULL,
  hlc      BIGINT  NOT NULL,
  wall_ms  BIGINT  NOT NULL,
  qty      BIGINT  NOT NULL,
  device   TEXT    NOT NULL,
  "user"   TEXT    NOT NULL,
  session  TEXT    NOT NULL,
  task_id  TEXT    NOT NULL,
  barcode  TEXT    NOT NULL
);
CREATE INDEX reconcile_counts_by_group ON reconcile_counts (group_id, "user");

CREATE TABLE reconcile_closes (
  event_id    TEXT    PRIMARY KEY,
  site        TEXT    NOT NULL,
  location    TEXT    NOT NULL,
  session_key TEXT    NOT NULL,
  task_id     TEXT    NOT NULL,
  hlc         BIGINT  NOT NULL,
  wall_ms     BIGINT  NOT NULL,
  device      TEXT    NOT NULL,
  "user"      TEXT    NOT NULL
);
CREATE INDEX reconcile_closes_by_location ON reconcile_closes (site, location, hlc);
CREATE INDEX reconcile_closes_by_session ON reconcile_closes (site, location, session_key, hlc);

CREATE TABLE reconcile_dirty (
  group_id       BIGINT  PRIMARY KEY,
  due_ms         BIGINT  NOT NULL,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL
);
CREATE INDEX reconcile_dirty_by_due ON reconcile_dirty (due_ms);

CREATE TABLE reconcile_discrepancies (
  id                 BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  site               TEXT    NOT NULL,
  position_id        BIGINT  NOT NULL,
  origin_group_id    BIGINT  NOT NULL,
  group_id           BIGINT  NOT NULL,
  state              TEXT    NOT NULL,
  classification     TEXT    NOT NULL,
  resolution         TEXT    NOT NULL,
  expected           BIGINT  NOT NULL,
  counted            BIGINT  NOT NULL,
  variance           BIGINT  NOT NULL,
  value_cents        BIGINT  NOT NULL,
  round              BIGINT  NOT NULL,
  first_user         TEXT    NOT NULL,
  opened_ms          BIGINT  NOT NULL,
  updated_ms         BIGINT  NOT NULL,
  closed_ms          BIGINT,
  adjust_event_id    TEXT    NOT NULL,
  adjust_qty         BIGINT  NOT NULL,
  adjust_value_cents BIGINT  NOT NULL,
  adjust_reason      TEXT    NOT NULL,
  system             TEXT    NOT NULL DEFAULT 'warehouse',
  snapshot_id        BIGINT
);
CREATE UNIQUE INDEX reconcile_discrepancies_active ON reconcile_discrepancies (position_id)
  WHERE closed_ms IS NULL AND snapshot_id IS NULL;
CREATE INDEX reconcile_discrepancies_by_site ON reconcile_discrepancies (site, id);
CREATE INDEX reconcile_discrepancies_active_by_opened ON reconcile_discrepancies (opened_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_value ON reconcile_discrepancies (abs(value_cents)) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_updated ON reconcile_discrepancies (updated_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_active_by_site ON reconcile_discrepancies (site, opened_ms) WHERE closed_ms IS NULL;
CREATE INDEX reconcile_discrepancies_by_opened ON reconcile_discrepancies (opened_ms);
CREATE INDEX reconcile_discrepancies_by_value ON reconcile_discrepancies (abs(value_cents));
CREATE INDEX reconcile_discrepancies_by_updated ON reconcile_discrepancies (updated_ms);
CREATE INDEX reconcile_discrepancies_by_closed ON reconcile_discrepancies (closed_ms) WHERE closed_ms IS NOT NULL;
CREATE INDEX reconcile_discrepancies_by_snapshot ON reconcile_discrepancies (snapshot_id) WHERE snapshot_id IS NOT NULL;
CREATE INDEX reconcile_discrepancies_by_system ON reconcile_discrepancies (system, id);
CREATE INDEX reconcile_discrepancies_by_state ON reconcile_discrepancies (state, updated_ms);
CREATE INDEX reconcile_discrepancies_by_reason ON reconcile_discrepancies (adjust_reason, opened_ms, closed_ms);
CREATE INDEX reconcile_discrepancies_by_classification ON reconcile_discrepancies (classification, closed_ms);

CREATE TABLE reconcile_transitions (
  discrepancy_id BIGINT  NOT NULL,
  seq            BIGINT  NOT NULL,
  from_state     TEXT    NOT NULL,
  to_state       TEXT    NOT NULL,
  at_ms          BIGINT  NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  PRIMARY KEY (discrepancy_id, seq)
);

CREATE TABLE reconcile_tasks (
  task_id        TEXT    PRIMARY KEY,
  discrepancy_id BIGINT  NOT NULL,
  site           TEXT    NOT NULL,
  position_id    BIGINT  NOT NULL,
  location       TEXT    NOT NULL,
  sku            TEXT    NOT NULL,
  lot            TEXT    NOT NULL,
  round          BIGINT  NOT NULL,
  exclude_user   TEXT    NOT NULL,
  hint           TEXT    NOT NULL,
  created_ms     BIGINT  NOT NULL,
  state          TEXT    NOT NULL,
  acked_ms       BIGINT,
  acked_device   TEXT    NOT NULL,
  finished_ms    BIGINT
);
CREATE INDEX reconcile_tasks_by_site ON reconcile_tasks (site, state);
CREATE INDEX reconcile_tasks_by_discrepancy ON reconcile_tasks (discrepancy_id);

CREATE TABLE reconcile_task_lists (
  site    TEXT    PRIMARY KEY,
  version BIGINT  NOT NULL
);

CREATE TABLE reconcile_policies (
  version  BIGINT  PRIMARY KEY,
  document TEXT    NOT NULL,
  set_ms   BIGINT  NOT NULL,
  actor    TEXT    NOT NULL
);

CREATE TABLE reconcile_snapshots (
  id             BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  event_id       TEXT    NOT NULL UNIQUE,
  system         TEXT    NOT NULL,
  site           TEXT    NOT NULL,
  location       TEXT    NOT NULL,
  sku            TEXT    NOT NULL,
  hlc            BIGINT  NOT NULL,
  wall_ms        BIGINT  NOT NULL,
  reported       BIGINT  NOT NULL,
  reference      TEXT    NOT NULL,
  received_ms    BIGINT  NOT NULL,
  expected       BIGINT,
  variance       BIGINT,
  within         BIGINT,
  value_cents    BIGINT,
  settled_ms     BIGINT,
  due_ms         BIGINT,
  cause          TEXT    NOT NULL,
  cause_event_id TEXT    NOT NULL,
  actor_kind     TEXT    NOT NULL,
  actor          TEXT    NOT NULL
);
CREATE INDEX reconcile_snapshots_by_sku ON reconcile_snapshots (site, sku, hlc);
CREATE INDEX reconcile_snapshots_by_subject ON reconcile_snapshots (system, site, location, sku, hlc);
CREATE INDEX reconcile_snapshots_due ON reconcile_snapshots (due_ms) WHERE due_ms IS NOT NULL;
)sql";

}  // namespace

storage::SchemaComponent reconcile_schema() {
  return storage::SchemaComponent{"reconcile",
                                  "recount-hub",
                                  {std::begin(kSteps), std::end(kSteps)},
                                  [](storage::Database& database) {
                                    // Before schema_versions the tables kept their version in reconcile_meta.
                                    return storage::legacy_meta_version(database, "reconcile_meta", "schema_version");
                                  },
                                  storage::SchemaComponent::Postgres{5, kPostgresReconcile}};
}

int reconcile_schema_version() { return static_cast<int>(std::size(kSteps)); }

Result<void> migrate_reconcile(storage::Connection& database) {
  const storage::SchemaComponent components[] = {reconcile_schema()};
  return storage::migrate(database, components);
}

}  // namespace recount::hub::reconcile
