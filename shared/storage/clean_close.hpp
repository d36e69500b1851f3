// Whether a database was closed cleanly last time: a marker file beside it, written last by an
// orderly close (after a full checkpoint) and removed before the next open writes anything, so
// that opening a large file after an orderly stop need not read every page for PRAGMA quick_check.
// Beside it, the damage marker: what a check run while the file was in use found.
#pragma once

#include <filesystem>
#include <string>

#include "shared/core/result.hpp"

namespace recount::storage {

// When Database::open runs PRAGMA quick_check, which reads every page of the file (seconds per
// GB). Skipping it after a clean close misses only damage that reached the file while no one had
// it open and that left its size and modification time alone (a failing disk, a bit flip): the
// next open after an unclean close, or one with kAlways (`recountctl --data DIR audit verify`,
// `recount-hub --check-at-start always`), finds it.
// kInBackground leaves the check after an unclean close to the caller, who runs it while the
// database is in use (BackgroundCheck, background_check.hpp): SQLite's WAL recovery at open already
// makes a crash consistent; the check looks for damage to the medium, which recovery cannot see.
// A damage marker beside the file (record_damage) makes every open check before anything writes.
enum class StartCheck {
  kAfterUncleanClose,  // unless the previous close was clean: a crash, kill -9 or power cut checks
  kInBackground,       // at open only on a file it creates, or when a damage marker is there
  kAlways,
};

// What Database::open found about the previous close of its file.
enum class PreviousClose { kClean, kUnclean };

// The marker of `database_file`: FILE-clean, beside SQLite's FILE-wal and FILE-shm.
std::filesystem::path clean_close_marker(const std::filesystem::path& database_file);

// Reads and removes the marker. kClean when it was there and describes the file as it is now
// (same device, inode, size and modification time to the nanosecond) and no FILE-wal with content
// is beside it; kUnclean otherwise (no marker, a marker of another or changed file, no file). The
// removal is on disk (directory synced) when this returns, so a crash after any later write is
// never taken for a clean close. Errors: kIo (naming the marker) when it exists and cannot be
// removed. Blocks; not for two processes opening one file at once (the hub's data directory lock
// keeps them apart; of two readers racing, both see the same previous close).
Result<PreviousClose> take_clean_close(const std::filesystem::path& database_file);

// Writes the marker for `database_file` as it is now, atomically. Call only once every connection
// to the file is closed after a checkpoint that emptied the WAL (Database::close_cleanly does).
// Errors: kIo (naming the marker or the file) when the file cannot be examined or the marker
// cannot be written; then the next open checks, which is safe. Blocks.
Result<void> record_clean_close(const std::filesystem::path& database_file);

// The damage marker of `database_file`: FILE-damaged, holding the finding of the check that wrote
// it (a BackgroundCheck that found damage or could not read the file), for the operator. While it
// is there, Database::open runs quick_check whatever its StartCheck, refuses the file if it still
// fails, and removes the marker once it passes (a restored or repaired file).
std::filesystem::path damage_marker(const std::filesystem::path& database_file);

// Writes the damage marker with `finding`, atomically and synced. Errors: kIo naming the marker.
// Blocks.
Result<void> record_damage(const std::filesystem::path& database_file, const std::string& finding);

// Whether the damage marker of `database_file` exists.
bool damage_recorded(const std::filesystem::path& database_file);

// Removes the damage marker, if any, and syncs the directory. Errors: kIo naming the marker.
// Blocks.
Result<void> clear_damage(const std::filesystem::path& database_file);

}  // namespace recount::storage
