// The one adapter over SQLite: a database file as a storage::Connection, with errors as values.
// The agent's journal and the hub's embedded ledger both build on it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/storage/clean_close.hpp"
#include "shared/storage/connection.hpp"

struct sqlite3;

namespace recount::storage {

// Stops a Database::check that runs, or will run, on another thread: SQLite interrupts the check
// within a page or so of reading. Thread-safe; must outlive the check it is given to.
class CheckCancellation {
 public:
  void cancel();
  bool cancelled() const;

 private:
  friend class Database;
  mutable std::mutex mutex_;
  sqlite3* running_ = nullptr;  // the check's connection while it runs
  bool cancelled_ = false;
};

enum class OpenMode { kCreateIfMissing, kExistingOnly };

// How a commit reaches the disk. kFull: the commit is on stable storage when commit() returns
// (fsync of the WAL), which is what "a confirmed scan survives a power cut" needs. kNormal: a
// power cut may lose the last commits but never corrupts the database.
enum class Durability { kFull, kNormal };

// One connection to a SQLite file. Not thread-safe: use a Database from one thread at a time.
class Database final : public Connection {
 public:
  // Opens (or creates) the file, runs PRAGMA quick_check (with kAfterUncleanClose only when the
  // previous close was not close_cleanly(): clean_close.hpp; the marker is removed either way; with
  // kInBackground only on a file it creates or when a damage marker is there, which a pass removes) and,
  // when `application_id` is not 0, checks that an existing database carries that id (PRAGMA
  // application_id, set on creation); only then switches to WAL mode with foreign keys on and a
  // busy timeout. Errors: kNotFound (kExistingOnly and no file), kCorrupt (not a database, damage
  // found by quick_check, or another application's database; the file is left byte for byte
  // untouched), kIo (permissions, disk, a clean-close marker that cannot be removed).
  static Result<Database> open(const std::filesystem::path& path, OpenMode mode, Durability durability,
                               std::int32_t application_id = 0, StartCheck check = StartCheck::kAfterUncleanClose);

  // Opens an existing database file read-only, for reading on a thread of its own beside the
  // connection that opened it with open() and writes it (in WAL mode a read sees the last commit,
  // whatever that connection has under way). No check, no marker, no setting: that open() did them.
  // It must be closed before the writer's close_cleanly(), whose checkpoint it would hold back.
  // Errors: kIo (no such file, permissions).
  static Result<Database> open_reader(const std::filesystem::path& path);

  // Closes `database` after a checkpoint that moves every commit from the WAL into the file, then
  // records the clean close (record_clean_close) so the next open may skip quick_check. Every
  // Statement of the connection must be destroyed first. Errors (kIo): a Statement still exists,
  // another connection keeps the checkpoint from emptying the WAL, or the marker cannot be
  // written; the connection is closed in every case, nothing is recorded and the next open
  // checks. Blocks (the checkpoint writes and syncs the file).
  static Result<void> close_cleanly(Database database);

  // Whether open() ran PRAGMA quick_check, and what it found about the previous close. Opened
  // with kInBackground after an unclean close, neither checked it: the caller runs the check.
  bool checked_at_open() const { return checked_at_open_; }
  PreviousClose previous_close() const { return previous_close_; }

  // Checks a database file without changing it (read-only; recountctl restore's check of a
  // backup before anything is replaced): that it is a SQLite database, that PRAGMA quick_check
  // finds no damage and that its application_id is `application_id`. Errors, naming the file:
  // kNotFound (no file), kCorrupt (empty, not a database, damaged, another application's), kIo
  // (SQLite could not read it), kUnavailable (`cancellation` was cancelled first). Blocks for a
  // read of every page, in one read transaction: another connection may write meanwhile (WAL
  // mode), and the check sees the file as committed when it began. `cancellation`, if given, must
  // outlive the call.
  static Result<void> check(const std::filesystem::path& path, std::int32_t application_id,
                            CheckCancellation* cancellation = nullptr);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database() override;

  // Connection: statements on this file. begin() is BEGIN IMMEDIATE, begin_snapshot() a
  // deferred BEGIN (a read transaction from its first read); a failed statement inside a
  // transaction is undone alone and the transaction goes on.
  Result<void> execute(std::string_view sql) override;
  Result<Statement> prepare(std::string_view sql) override;
  Result<void> begin() override;
  Result<void> begin_snapshot() override;
  Result<void> commit() override;
  void rollback() noexcept override;
  std::uint64_t rollbacks() const override { return *rollbacks_; }
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string name() const override { return path_.string(); }

  // Copies the whole database, as committed, into a new file at `target` with SQLite's online
  // backup, page by page in one step; the copy is a database of its own. kIo when `target`
  // cannot be written (it must not exist yet or must be a database SQLite may overwrite). Blocks.
  Result<void> backup_to(const std::filesystem::path& target);

  std::int64_t last_insert_rowid() const;
  const std::filesystem::path& path() const { return path_; }

  // Moves the WAL's checkpoints off this connection: a thread of its own, with a connection of its
  // own to the file, copies the WAL's frames into it (a passive checkpoint, synced as `durability`
  // says) whenever a commit here leaves kCheckpointFrames or more in the WAL, where SQLite would
  // have checkpointed on this connection, inside the commit. The writer then goes on while the
  // other core copies (the hub's ledger: docs/performance.md, "After: checkpoints on a thread of
  // their own"). Its syncs follow the durability this connection was opened with. Stops before
  // this connection closes. kIo when the second connection cannot be opened; the connection then
  // checkpoints as before.
  Result<void> checkpoint_in_background();
  static constexpr int kCheckpointFrames = 1000;  // SQLite's own threshold for automatic checkpoints

 private:
  class Checkpointer;
  Database(sqlite3* handle, std::filesystem::path path, Durability durability);
  // Undoes checkpoint_in_background(): the thread is joined and its connection closed.
  void stop_background_checkpoints();
  struct Closer {
    void operator()(sqlite3* handle) const;
  };
  std::unique_ptr<sqlite3, Closer> handle_;
  std::filesystem::path path_;
  Durability durability_;
  // On the heap: SQLite's rollback hook holds its address, which must survive moves.
  std::unique_ptr<std::uint64_t> rollbacks_;
  // On the heap for the same reason (the WAL hook); nullptr unless checkpoint_in_background().
  std::unique_ptr<Checkpointer> checkpointer_;
  bool checked_at_open_ = true;
  PreviousClose previous_close_ = PreviousClose::kUnclean;
};

}  // namespace recount::storage
