// recountctl backup and restore: SQLite's online backup out, a checked copy renamed in.
#include "hub/daemon/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "hub/daemon/data_dir_lock.hpp"
#include "hub/ledger/ledger.hpp"
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
  auto write = ledger->begin_write();
  if (!write) return write.error();
  const nlohmann::json detail = {{"backup", backup.string()},
                                 {"versions_carried", summary.versions_carried},
                                 {"versions_note", summary.versions_note}};
  if (auto ok =
          write->audit("hub.restored", "hub", detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      !ok) {
    return ok.error();
  }
  if (auto ok = write->commit(); !ok) return ok.error();
  return summary;
}

}  // namespace

Result<BackupSummary> back_up(const fs::path& data_dir, const fs::path& file) {
  std::error_code error;
  if (fs::exists(file, error) || fs::is_symlink(file, error)) {
    return Error{ErrorCode::kConflict, "", file.string() + " exists; a backup never overwrites a file"};
  }
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
  const fs::path partial =
      directory_of(file) / ("." + file.filename().string() + ".partial-" + std::to_string(::getpid()));
  remove_database_files(partial);
  const auto written = [&]() -> Result<void> {
    if (auto ok = source->backup_to(partial); !ok) return ok;
    if (auto ok = storage::Database::check(partial, Ledger::kApplicationId); !ok) {
      return Error{ErrorCode::kCorrupt, "",
                   "the copy of " + source_file.string() + " failed its check: " + ok.error().message};
    }
    if (auto ok = sync_path(partial); !ok) return ok;
    // link() refuses an existing name where rename() would replace it: no backup is overwritten,
    // not even one another process wrote meanwhile.
    if (::link(partial.c_str(), file.c_str()) != 0) {
      if (errno == EEXIST) {
        return Error{ErrorCode::kConflict, "", file.string() + " exists; a backup never overwrites a file"};
      }
      return io_error("write", file, errno);
    }
    return sync_path(directory_of(file));
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

}  // namespace recount::hub
