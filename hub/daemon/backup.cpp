// recountctl backup and restore: SQLite's online backup out, a checked copy renamed in.
#include "hub/daemon/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/daemon/data_dir_lock.hpp"
#include "hub/daemon/program.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/storage/postgres.hpp"
#include "shared/core/iso_time.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {
namespace {

namespace fs = std::filesystem;

Error io_error(const std::string& doing, const fs::path& path, int error_number) {
  return Error{ErrorCode::kIo, "", "cannot " + doing + " " + path.string() + ": " + std::strerror(error_number)};
}

// fsync of a file or directory, so that what was written (or renamed in it) survives a power cut.
Result<void> sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path, errno);
  const int synced = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  if (synced != 0) return io_error("flush", path, error_number);
  return {};
}

fs::path directory_of(const fs::path& file) { return file.has_parent_path() ? file.parent_path() : fs::path("."); }

// The file and SQLite's -wal and -shm files beside it.
void remove_database_files(const fs::path& file) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix, ignored);
}

std::string sql_quoted(const std::string& text) {
  std::string quoted = "'";
  for (const char each : text) {
    quoted += each;
    if (each == '\'') quoted += '\'';
  }
  return quoted + "'";
}

Result<bool> has_table(storage::Database& database, const std::string& schema, const std::string& table) {
  auto query = database.prepare("SELECT count(*) FROM " + schema + ".sqlite_schema WHERE type = 'table' AND name = ?");
  if (!query) return query.error();
  auto row = query->bind(1, table).step();
  if (!row) return row.error();
  return *row && query->column_int(0) > 0;
}

// Raises the restored catalog version and each site's task-list version one above the larger of
// the restored and the previous database's (attached as "previous"), so the restored hub's next
// publication is newer than any the devices applied, and so replaces it. Sites only the previous
// database had get the previous version + 1 too: their devices hold a list of it.
Result<void> carry_versions(storage::Database& staged) {
  for (const char* table : {"catalog_version", "reconcile_task_lists"}) {
    for (const char* schema : {"main", "previous"}) {
      auto found = has_table(staged, schema, table);
      if (!found) return found.error();
      if (!*found) {
        return Error{ErrorCode::kCorrupt, "",
                     std::string("the ") + (std::string(schema) == "main" ? "backup" : "replaced") +
                         " database has no " + table + " table"};
      }
    }
  }
  return staged.execute(
      "UPDATE main.catalog_version SET version = max(version, (SELECT version FROM previous.catalog_version"
      " WHERE id = 1)) + 1 WHERE id = 1;"
      "UPDATE main.reconcile_task_lists SET version = max(version, coalesce((SELECT p.version FROM"
      " previous.reconcile_task_lists p WHERE p.site = reconcile_task_lists.site), 0)) + 1;"
      "INSERT INTO main.reconcile_task_lists (site, version) SELECT site, version + 1 FROM"
      " previous.reconcile_task_lists WHERE site NOT IN (SELECT site FROM main.reconcile_task_lists);");
}

// Appends the "hub.restored" entry of a restore from `backup` to the restored ledger.
Result<void> audit_restore(Ledger& ledger, const fs::path& backup, const RestoreSummary& summary) {
  auto write = ledger.begin_write();
  if (!write) return write.error();
  const nlohmann::json detail = {{"backup", backup.string()},
                                 {"versions_carried", summary.versions_carried},
                                 {"versions_note", summary.versions_note}};
  if (auto ok =
          write->audit("hub.restored", "hub", detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      !ok) {
    return ok;
  }
  return write->commit();
}

// A backup's name beside `file` while it is written; linked in as `file` only once complete.
fs::path partial_of(const fs::path& file) {
  return directory_of(file) / ("." + file.filename().string() + ".partial-" + std::to_string(::getpid()));
}

Error exists_error(const fs::path& file) {
  return Error{ErrorCode::kConflict, "", file.string() + " exists; a backup never overwrites a file"};
}

// Flushes the complete copy `partial` and links it in as `file`, then flushes the directory.
Result<void> link_in(const fs::path& partial, const fs::path& file) {
  if (auto ok = sync_path(partial); !ok) return ok;
  // link() refuses an existing name where rename() would replace it: no backup is overwritten,
  // not even one another process wrote meanwhile.
  if (::link(partial.c_str(), file.c_str()) != 0) {
    if (errno == EEXIST) return exists_error(file);
    return io_error("write", file, errno);
  }
  return sync_path(directory_of(file));
}

// The tables a pg_dump archive holds, from its table of contents (pg_restore --list, whose lines
// read "ID; OID OID TABLE SCHEMA NAME OWNER"). Errors: kCorrupt when `archive` is not one.
Result<std::set<std::string>> archive_tables(const fs::path& archive) {
  const fs::path listing = archive.string() + ".list-" + std::to_string(::getpid());
  auto listed = run_program({"pg_restore", "--list", "--file=" + listing.string(), archive.string()});
  std::ifstream in(listing);
  std::set<std::string> tables;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string id, oid, object_id, kind, schema, name;
    if (words >> id >> oid >> object_id >> kind >> schema >> name && kind == "TABLE" && !id.starts_with(";")) {
      tables.insert(name);
    }
  }
  std::error_code ignored;
  fs::remove(listing, ignored);
  if (!listed) {
    return Error{ErrorCode::kCorrupt, "",
                 archive.string() + " is not a pg_dump archive (" + listed.error().message + ")"};
  }
  return tables;
}

// One number from a query on `database`.
Result<std::int64_t> number_of(storage::Connection& database, const std::string& sql) {
  auto query = database.prepare(sql);
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  return *row ? query->column_int(0) : 0;
}

// The statements that raise the restored catalog version and each site's task-list version one
// above the larger of the restored and the replaced database's (read from `previous` before the
// restore), as carry_versions does on SQLite. Sites only the replaced database had get its
// version + 1: their devices hold a list of it.
Result<std::string> carried_versions_sql(storage::Connection& previous) {
  auto catalog = number_of(previous, "SELECT coalesce(max(version), 0) FROM catalog_version WHERE id = 1");
  if (!catalog) return catalog.error();
  std::string sql =
      "CREATE TEMPORARY TABLE previous_task_lists (site TEXT PRIMARY KEY, version BIGINT NOT NULL) ON COMMIT DROP;";
  auto lists = previous.prepare("SELECT site, version FROM reconcile_task_lists ORDER BY site");
  if (!lists) return lists.error();
  for (;;) {
    auto row = lists->step();
    if (!row) return row.error();
    if (!*row) break;
    sql += "INSERT INTO previous_task_lists VALUES (" + sql_quoted(lists->column_text(0)) + ", " +
           std::to_string(lists->column_int(1)) + ");";
  }
  return sql + "UPDATE catalog_version SET version = greatest(version, " + std::to_string(*catalog) +
         ") + 1 WHERE id = 1;"
         "UPDATE reconcile_task_lists SET version = greatest(version, coalesce((SELECT p.version FROM"
         " previous_task_lists p WHERE p.site = reconcile_task_lists.site), 0)) + 1;"
         "INSERT INTO reconcile_task_lists (site, version) SELECT site, version + 1 FROM previous_task_lists"
         " WHERE site NOT IN (SELECT site FROM reconcile_task_lists);";
}

// Drops every table of the ledger's schema, with its indexes, triggers and sequences.
constexpr std::string_view kDropEveryTable =
    "DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    " LOOP EXECUTE format('DROP TABLE %I CASCADE', t.tablename); END LOOP; END $$";

// pg_dump of the database at `url` into `partial`, in the custom format pg_restore reads.
Result<void> dump_database(const std::string& url, const fs::path& partial) {
  return run_program({"pg_dump", "--format=custom", "--file=" + partial.string(), "--dbname=" + url});
}

// Opens the staged copy as a ledger (which migrates an older one, and refuses a newer one), carries
// the versions of `previous` (if it exists) and audits the restore in it. What it could not carry
// it says in the summary rather than failing: a restore is often what follows a damaged database.
Result<RestoreSummary> prepare_staged(const fs::path& staged, const fs::path& previous, const fs::path& backup,
                                      WallClock wall) {
  auto ledger = Ledger::open(staged, std::move(wall));
  if (!ledger) return ledger.error();
  RestoreSummary summary;
  std::error_code ignored;
  if (!fs::exists(previous, ignored)) {
    summary.versions_note = "there was no hub database to replace";
  } else if (auto attached =
                 ledger->database().execute("ATTACH DATABASE " + sql_quoted(previous.string()) + " AS previous");
             !attached) {
    summary.versions_note = attached.error().describe();
  } else {
    auto carried = [&]() -> Result<void> {
      auto write = ledger->begin_write();
      if (!write) return write.error();
      if (auto ok = carry_versions(*ledger->sqlite()); !ok) return ok;
      return write->commit();
    }();
    summary.versions_carried = carried.has_value();
    if (!carried) summary.versions_note = carried.error().describe();
    if (auto ok = ledger->database().execute("DETACH DATABASE previous"); !ok) return ok.error();
  }
  if (auto ok = audit_restore(*ledger, backup, summary); !ok) return ok.error();
  return summary;
}

}  // namespace

Result<BackupSummary> back_up(const fs::path& data_dir, const fs::path& file) {
  std::error_code error;
  if (fs::exists(file, error) || fs::is_symlink(file, error)) return exists_error(file);
  const fs::path source_file = Ledger::file_in(data_dir);
  auto source = storage::Database::open(source_file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal,
                                        Ledger::kApplicationId);
  if (!source) {
    if (source.error().code == ErrorCode::kNotFound) {
      return Error{ErrorCode::kNotFound, "",
                   data_dir.string() + " holds no hub database (" + source_file.string() + ")"};
    }
    return source.error();
  }
  const fs::path partial = partial_of(file);
  remove_database_files(partial);
  const auto written = [&]() -> Result<void> {
    if (auto ok = source->backup_to(partial); !ok) return ok;
    if (auto ok = storage::Database::check(partial, Ledger::kApplicationId); !ok) {
      return Error{ErrorCode::kCorrupt, "",
                   "the copy of " + source_file.string() + " failed its check: " + ok.error().message};
    }
    return link_in(partial, file);
  }();
  remove_database_files(partial);
  if (!written) return written.error();
  BackupSummary summary;
  summary.bytes = fs::file_size(file, error);
  return summary;
}

Result<RestoreSummary> restore(const fs::path& data_dir, const fs::path& file, const WallClock& wall) {
  auto lock = DataDirLock::acquire(data_dir);
  if (!lock) {
    if (lock.error().code != ErrorCode::kConflict) return lock.error();
    return Error{ErrorCode::kConflict, "", lock.error().message + "; stop the hub before a restore"};
  }
  if (auto ok = storage::Database::check(file, Ledger::kApplicationId); !ok) {
    return Error{ok.error().code, "", "the backup cannot be restored: " + ok.error().message};
  }
  const fs::path current = Ledger::file_in(data_dir);
  const fs::path staged = current.string() + ".restoring";
  remove_database_files(staged);
  std::error_code error;
  fs::copy_file(file, staged, error);
  if (error)
    return Error{ErrorCode::kIo, "",
                 "cannot copy " + file.string() + " to " + staged.string() + ": " + error.message()};
  auto summary = prepare_staged(staged, current, file, wall);
  if (!summary) {
    remove_database_files(staged);
    return Error{summary.error().code, "", "the backup cannot be restored: " + summary.error().describe()};
  }
  if (auto ok = sync_path(staged); !ok) return ok.error();

  if (fs::exists(current, error)) {
    summary->aside = current.string() + ".before-restore-" + format_utc(wall(), "%Y%m%dT%H%M%SZ");
    // A link first: hub.db stays in place until the rename below replaces it in one step.
    if (::link(current.c_str(), summary->aside.c_str()) != 0) return io_error("keep aside", current, errno);
    // The old database's uncommitted-to-file tail goes aside with it: left beside the new
    // hub.db, SQLite would replay it into the wrong database.
    const fs::path wal = current.string() + "-wal";
    if (fs::exists(wal, error) && ::rename(wal.c_str(), (summary->aside.string() + "-wal").c_str()) != 0) {
      return io_error("keep aside", wal, errno);
    }
    fs::remove(current.string() + "-shm", error);
  }
  if (::rename(staged.c_str(), current.c_str()) != 0) return io_error("rename into place", staged, errno);
  remove_database_files(staged);
  if (auto ok = sync_path(data_dir); !ok) return ok.error();
  return *summary;
}

Result<BackupSummary> back_up_database(const std::string& url, const fs::path& file) {
  std::error_code error;
  if (fs::exists(file, error) || fs::is_symlink(file, error)) return exists_error(file);
  const fs::path partial = partial_of(file);
  fs::remove(partial, error);
  const auto written = [&]() -> Result<void> {
    if (auto ok = dump_database(url, partial); !ok) return ok;
    auto tables = archive_tables(partial);
    if (!tables) return tables.error();
    if (!tables->contains("events") || !tables->contains("audit_log")) {
      return Error{ErrorCode::kNotFound, "", "the database holds no hub ledger (no events and audit_log tables)"};
    }
    return link_in(partial, file);
  }();
  fs::remove(partial, error);
  if (!written) return written.error();
  BackupSummary summary;
  summary.bytes = fs::file_size(file, error);
  return summary;
}

Result<RestoreSummary> restore_database(const fs::path& data_dir, const std::string& url, const fs::path& file,
                                        const WallClock& wall) {
  auto lock = DataDirLock::acquire(data_dir);
  if (!lock) {
    if (lock.error().code != ErrorCode::kConflict) return lock.error();
    return Error{ErrorCode::kConflict, "", lock.error().message + "; stop the hub before a restore"};
  }
  auto tables = archive_tables(file);
  if (!tables) return Error{tables.error().code, "", "the backup cannot be restored: " + tables.error().message};
  for (const char* table : {"events", "audit_log", "catalog_version", "reconcile_task_lists"}) {
    if (!tables->contains(table)) {
      return Error{ErrorCode::kCorrupt, "",
                   "the backup cannot be restored: " + file.string() + " holds no " + table +
                       " table, so it is no backup of a hub ledger"};
    }
  }
  auto previous = storage::PostgresConnection::open(url);
  if (!previous) return previous.error();
  // Another hub on this ledger would go on writing into the restored one from its own memory.
  auto others = number_of(*previous,
                          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND pid <> pg_backend_pid()");
  if (!others) return others.error();
  if (*others > 0) {
    return Error{ErrorCode::kConflict, "",
                 std::to_string(*others) + " other session(s) are connected to " + previous->name() +
                     "; stop every hub on this ledger before a restore"};
  }
  auto had_ledger = number_of(*previous,
                              "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                              " AND tablename IN ('catalog_version', 'reconcile_task_lists')");
  if (!had_ledger) return had_ledger.error();
  RestoreSummary summary;
  std::string carry;
  if (*had_ledger == 2) {
    auto carried = carried_versions_sql(*previous);
    if (carried) {
      carry = std::move(*carried);
    } else {
      summary.versions_note = carried.error().describe();
    }
    summary.aside = data_dir / ("ledger.before-restore-" + format_utc(wall(), "%Y%m%dT%H%M%SZ") + ".dump");
    if (auto ok = dump_database(url, summary.aside); !ok) {
      return Error{ok.error().code, "", "cannot keep the replaced ledger aside: " + ok.error().message};
    }
  } else {
    summary.versions_note = "there was no hub ledger to replace";
  }
  summary.versions_carried = !carry.empty();
  // One transaction: every table of the schema goes (also those a newer hub added, which the
  // backup's older migrations would otherwise trip over), the backup comes in, and the versions
  // rise above the replaced ones. Any error rolls all of it back.
  const fs::path script = data_dir / ("ledger.restoring-" + std::to_string(::getpid()) + ".sql");
  auto restored = [&]() -> Result<void> {
    if (auto ok = run_program({"pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                               "--file=" + script.string(), file.string()});
        !ok) {
      return ok;
    }
    return run_program({"psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
                        "--dbname=" + url, "--command=" + std::string(kDropEveryTable), "--file=" + script.string(),
                        // The script emptied the search path; the ledger's tables are found by it.
                        "--command=RESET search_path;" + carry});
  }();
  std::error_code ignored;
  fs::remove(script, ignored);
  if (!restored) return Error{restored.error().code, "", "the backup cannot be restored: " + restored.error().message};
  auto ledger = Ledger::connect(url, wall);
  if (!ledger) return ledger.error();
  if (auto ok = audit_restore(*ledger, file, summary); !ok) return ok.error();
  return summary;
}

}  // namespace recount::hub
