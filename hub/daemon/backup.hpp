// Backup and restore of a hub data directory (recountctl backup|restore, docs/operations.md):
// a consistent copy of the hub database taken while the hub runs, and putting one back while it
// does not, so that the devices then resend what the hub lost.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

struct BackupSummary {
  std::uintmax_t bytes = 0;  // of the backup file
};

// Copies the hub database of `data_dir` (hub.db: events, audit chain, catalog, tokens,
// projections, discrepancies; the one SQLite database the hub keeps) into `file`, a SQLite
// database of its own, with SQLite's online backup: a snapshot as of one commit, taken while the
// hub keeps writing (WAL readers do not stop it). The copy is written beside `file`, checked
// (quick_check, application_id), flushed to disk and only then linked in as `file`. Errors, naming
// the path: kConflict when `file` exists (never overwritten); kNotFound when `data_dir` holds no
// hub database; kCorrupt when the database or the copy fails its check; kIo otherwise. Blocks
// for a read of the whole database.
Result<BackupSummary> back_up(const std::filesystem::path& data_dir, const std::filesystem::path& file);

struct RestoreSummary {
  std::filesystem::path aside;  // where the database it replaced went (empty when there was none)
  // Whether catalog and task-list versions were carried above those of the replaced database
  // (false when there was none, or it could not be read: `versions_note` says why).
  bool versions_carried = false;
  std::string versions_note;
};

// Puts the backup `file` in place of the hub database of `data_dir`. Refuses while a hub holds
// the directory (kConflict from DataDirLock, naming its pid), and holds the lock itself
// throughout, so no hub starts half way. Before anything is replaced, `file` must pass
// Database::check (quick_check, application_id) and open as a hub ledger of this version
// (migrated if older; kUnsupportedVersion if newer). The copy is prepared beside hub.db, where
// the catalog version and each site's task-list version are raised above those of the database
// being replaced (devices apply only newer ones, so the restored hub's next publication must be
// newer than anything they saw), and a "hub.restored" audit entry is appended. Then the current
// hub.db (with its -wal) is kept aside as hub.db.before-restore-TIME and the copy renamed over
// hub.db: a crash leaves the old database or the new one in place, never a missing one.
// Errors name the file; on any, hub.db is untouched. Blocks.
Result<RestoreSummary> restore(const std::filesystem::path& data_dir, const std::filesystem::path& file,
                               const WallClock& wall = system_wall_clock());

// The same for a ledger in PostgreSQL (recount-hub --ledger URL): pg_dump of the database at
// `url` into `file` in its custom format (pg_restore reads it; so can an operator), one snapshot
// taken while hubs keep writing. The archive is written beside `file`, its table of contents read
// back (it must hold events and audit_log), flushed and then linked in as `file`. Needs pg_dump and
// pg_restore on PATH (Debian's postgresql-client). Errors, naming the problem: kConflict when
// `file` exists; kNotFound when the database holds no ledger; kIo when pg_dump fails (with its
// message: the server refused the login, say). Blocks for a read of the whole database.
Result<BackupSummary> back_up_database(const std::string& url, const std::filesystem::path& file);

// Puts the pg_dump archive `file` in place of the ledger in the PostgreSQL database at `url`, the
// hub of `data_dir` stopped (its lock is held throughout) and no other session connected to the
// database (kConflict otherwise, naming how many: another hub would write on from its memory).
// The archive must list the ledger's tables (kCorrupt otherwise). The ledger it replaces, if any,
// is first dumped to DATA_DIR/ledger.before-restore-TIME.dump (`aside`); then one transaction
// (psql --single-transaction) drops every table of the schema, restores the archive and raises
// the catalog version and each site's task-list version above the replaced ones (as restore()
// does); any error leaves the database as it was. Then the ledger is opened (migrating an older
// backup) and the restore audited as "hub.restored". Needs pg_dump, pg_restore and psql on PATH.
// Blocks.
Result<RestoreSummary> restore_database(const std::filesystem::path& data_dir, const std::string& url,
                                        const std::filesystem::path& file, const WallClock& wall = system_wall_clock());

}  // namespace recount::hub
