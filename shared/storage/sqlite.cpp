// SQLite adapter.
#include "shared/storage/sqlite.hpp"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

namespace recount::storage {
namespace {

// SQLite's memory statistics take a global mutex on every allocation, and nothing here reads
// them. They can only be switched off before SQLite initializes, hence before the first open.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
  });
}

// How a connection syncs its commits and checkpoints, as the pragma that sets it.
const char* synchronous_pragma(Durability durability) {
  return durability == Durability::kFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
}

Error sqlite_error(sqlite3* handle, int rc, std::string_view doing) {
  const char* detail = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
  const int primary = rc & 0xFF;
  const ErrorCode code = (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) ? ErrorCode::kCorrupt
                         : primary == SQLITE_CONSTRAINT                          ? ErrorCode::kConflict
                         : primary == SQLITE_FULL                                ? ErrorCode::kStorageFull
                                                                                 : ErrorCode::kIo;
  return Error{code, "", std::string(doing) + ": " + detail};
}

// A compiled SQLite statement behind the Statement facade.
class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3_stmt* handle, sqlite3* database) : handle_(handle), database_(database) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override { sqlite3_finalize(handle_); }

  void bind_int(int index, std::int64_t value) override { sqlite3_bind_int64(handle_, index, value); }
  void bind_text(int index, std::string_view value) override {
    sqlite3_bind_text64(handle_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_blob(int index, std::string_view bytes) override {
    sqlite3_bind_blob64(handle_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  }
  void bind_null(int index) override { sqlite3_bind_null(handle_, index); }

  Result<bool> step() override {
    const int rc = sqlite3_step(handle_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = sqlite_error(database_, rc, "statement failed");
    sqlite3_reset(handle_);
    return error;
  }
  std::int64_t changes() const override { return sqlite3_changes64(database_); }
  void reset() noexcept override {
    sqlite3_reset(handle_);
    sqlite3_clear_bindings(handle_);
  }

  std::int64_t column_int(int index) const override { return sqlite3_column_int64(handle_, index); }
  std::string column_text(int index) const override {
    const auto* text = sqlite3_column_text(handle_, index);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(handle_, index)));
  }
  bool column_is_null(int index) const override { return sqlite3_column_type(handle_, index) == SQLITE_NULL; }

 private:
  sqlite3_stmt* handle_;
  sqlite3* database_;
};

}  // namespace

void Database::Closer::operator()(sqlite3* handle) const { sqlite3_close_v2(handle); }

Database::Database(sqlite3* handle, std::filesystem::path path, Durability durability)
    : handle_(handle), path_(std::move(path)), durability_(durability), rollbacks_(std::make_unique<std::uint64_t>(0)) {
  if (handle != nullptr) {
    sqlite3_rollback_hook(
        handle, [](void* rollbacks) { ++*static_cast<std::uint64_t*>(rollbacks); }, rollbacks_.get());
  }
}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
// The checkpoints stop first, then the connection closes: closing rolls back an open transaction,
// and SQLite's rollback hook then counts into rollbacks_, which must still be there.
Database::~Database() {
  stop_background_checkpoints();
  handle_.reset();
}

// One thread and one connection that checkpoint the file when asked, until destroyed.
class Database::Checkpointer {
 public:
  // Takes `handle`, a connection of its own to the file.
  explicit Checkpointer(sqlite3* handle) : handle_(handle), thread_([this] { run(); }) {}
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  // From the writer's thread, inside its commit: only a flag and a notification.
  void request() {
    {
      const std::lock_guard lock(mutex_);
      requested_ = true;
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
      lock.unlock();
      // A passive checkpoint never waits for the writer or readers: it copies what they leave it.
      // When it fails or copies only part, the frames stay in the WAL, nothing is lost, and the
      // next commit asks again; the WAL is only longer meanwhile, as under SQLite's own.
      sqlite3_wal_checkpoint_v2(handle_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  std::unique_ptr<sqlite3, Closer> handle_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the members above exist
};

Result<void> Database::checkpoint_in_background() {
  if (checkpointer_) return {};
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Closer> handle(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open " + path_.string() + " for checkpoints");
  // Its close must not checkpoint or delete the WAL: the writer's connection owns the file's
  // last close (close_cleanly()).
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (const int set = sqlite3_exec(raw, synchronous_pragma(durability_), nullptr, nullptr, nullptr); set != SQLITE_OK) {
    return sqlite_error(raw, set, "cannot set up checkpoints of " + path_.string());
  }
  checkpointer_ = std::make_unique<Checkpointer>(handle.release());
  // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(
      handle_.get(),
      [](void* checkpointer, sqlite3*, const char* schema, int frames) {
        if (frames >= kCheckpointFrames && std::strcmp(schema, "main") == 0) {
          static_cast<Checkpointer*>(checkpointer)->request();
        }
        return SQLITE_OK;
      },
      checkpointer_.get());
  return {};
}

void Database::stop_background_checkpoints() {
  if (!checkpointer_) return;
  sqlite3_wal_autocheckpoint(handle_.get(), kCheckpointFrames);
  checkpointer_.reset();
}

namespace {

// Sets `application_id` on a new file (no id, no schema), or checks that an existing file
// carries it. Run inside a write transaction (in which even a new file has a page).
Result<void> claim(Database& database, const std::filesystem::path& path, std::int32_t application_id) {
  auto owner = database.prepare(
      "SELECT (SELECT application_id FROM pragma_application_id), "
      "(SELECT count(*) FROM sqlite_schema)");
  if (!owner || !owner->step())
    return Error{ErrorCode::kCorrupt, "", "cannot read the application id of " + path.string()};
  const auto stored_id = static_cast<std::int32_t>(owner->column_int(0));
  const bool fresh = stored_id == 0 && owner->column_int(1) == 0;
  owner->reset();
  if (fresh) return database.execute("PRAGMA application_id = " + std::to_string(application_id));
  if (stored_id != application_id) {
    return Error{ErrorCode::kCorrupt, "",
                 path.string() + " is a SQLite database of another application (application_id " +
                     std::to_string(stored_id) + ")"};
  }
  return {};
}

// PRAGMA quick_check: kCorrupt naming `path` when the file is not a database or is damaged.
Result<void> quick_check(Database& database, const std::filesystem::path& path) {
  auto check = database.prepare("PRAGMA quick_check");
  if (!check) {
    return Error{ErrorCode::kCorrupt, "",
                 path.string() + " is not a readable SQLite database (" + check.error().message + ")"};
  }
  auto row = check->step();
  if (!row) {
    return Error{ErrorCode::kCorrupt, "", path.string() + " failed its integrity check: " + row.error().message};
  }
  if (*row && check->column_text(0) != "ok") {
    return Error{ErrorCode::kCorrupt, "", path.string() + " failed its integrity check: " + check->column_text(0)};
  }
  check->reset();
  return {};
}

// A database in a directory its group may write to is shared with that group (the agent's
// journal between its daemon and a kiosk's scan UI: docs/deployment.md). SQLite creates files
// 0644 under the umask, never group-writable, so the group's bits are added here; SQLite gives
// the -wal and -shm files the database's mode. A file that is not ours stays as it is.
void share_with_directory_group(const std::filesystem::path& path) {
  using std::filesystem::perms;
  std::error_code error;
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const auto directory_mode = std::filesystem::status(directory, error).permissions();
  if (error || (directory_mode & perms::group_write) == perms::none) return;
  const auto file_mode = std::filesystem::status(path, error).permissions();
  if (error || (file_mode & perms::group_write) != perms::none) return;
  std::filesystem::permissions(path, perms::group_read | perms::group_write, std::filesystem::perm_options::add, error);
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path, OpenMode mode, Durability durability,
                                std::int32_t application_id, StartCheck check) {
  std::error_code ignored;
  const bool existed = std::filesystem::exists(path, ignored);
  if (mode == OpenMode::kExistingOnly && !existed) {
    return Error{ErrorCode::kNotFound, "", "no database at " + path.string()};
  }
  // Before anything writes to the file: from here on, a crash is an unclean close.
  auto previous = take_clean_close(path);
  if (!previous) return previous.error();
  configure_sqlite_once();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::kCreateIfMissing) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database database(raw, path, durability);
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open " + path.string());
  share_with_directory_group(path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  // Until the checks below pass, closing must not checkpoint a WAL left by a crash into the file:
  // a file refused here stays byte for byte as it was, its WAL too.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  database.previous_close_ = *previous;
  const bool damage_reported = damage_recorded(path);
  // A file this open creates has nothing to check in the background: checking it here costs nothing.
  database.checked_at_open_ =
      check == StartCheck::kAlways || damage_reported ||
      (*previous == PreviousClose::kUnclean && (check == StartCheck::kAfterUncleanClose || !existed));

  // quick_check first: on a damaged file nothing below may write to it.
  if (database.checked_at_open_) {
    if (auto ok = quick_check(database, path); !ok) return ok.error();
    if (damage_reported) {
      if (auto cleared = clear_damage(path); !cleared) return cleared.error();
    }
  }

  // Nothing below may write to a file that belongs to someone else: check whose it is first,
  // under the write lock, so a process creating the same file at this moment is never seen half
  // way (its pages written, its id not yet). Then WAL, synchronous and foreign keys.
  // SQLite answers SQLITE_BUSY without waiting where waiting could deadlock (a lock upgrade, the
  // switch to WAL while another process creates the file); its remedy is to start over, which
  // this does a bounded number of times.
  bool busy = false;  // whether the last failure below was SQLITE_BUSY, read before any rollback
  const auto failed = [&](const Error& error) {
    busy = (sqlite3_errcode(database.handle_.get()) & 0xFF) == SQLITE_BUSY;
    database.rollback();
    return error;
  };
  // SQLite's own messages do not say which file: a file that is not a database, say, reaches
  // here unchecked when quick_check runs in the background (StartCheck::kInBackground).
  const auto failed_on_file = [&](Error error) {
    error.message = path.string() + ": " + error.message;
    return failed(error);
  };
  const auto settle = [&]() -> Result<void> {
    if (application_id != 0) {
      if (auto ok = database.begin(); !ok) return failed_on_file(ok.error());
      if (auto ok = claim(database, path, application_id); !ok) return failed(ok.error());
      if (auto ok = database.commit(); !ok) return failed_on_file(ok.error());
    }
    auto ok = database.execute(std::string("PRAGMA journal_mode=WAL; ") + synchronous_pragma(durability) +
                               " PRAGMA foreign_keys=ON;");
    if (!ok) return failed_on_file(ok.error());
    return ok;
  };
  constexpr int kAttempts = 50;
  for (int attempt = 1;; ++attempt) {
    auto settled = settle();
    if (settled) break;
    if (!busy || attempt == kAttempts) return settled.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
  return database;
}

Result<void> Database::close_cleanly(Database database) {
  database.stop_background_checkpoints();
  sqlite3* handle = database.handle_.get();
  const std::filesystem::path path = database.path_;
  if (sqlite3_next_stmt(handle, nullptr) != nullptr) {
    return Error{ErrorCode::kIo, "", "cannot close " + path.string() + " cleanly: statements of it are still open"};
  }
  int log_frames = -1;
  int checkpointed_frames = -1;
  const int rc =
      sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &checkpointed_frames);
  if (rc != SQLITE_OK) return sqlite_error(handle, rc, "cannot checkpoint " + path.string());
  // The last connection's close checkpoints (nothing is left to move) and deletes the WAL; only
  // then does the file stop changing, so the marker describes it after the close.
  const int closed = sqlite3_close(database.handle_.release());
  if (closed != SQLITE_OK) return sqlite_error(nullptr, closed, "cannot close " + path.string());
  return record_clean_close(path);
}

Result<void> Database::execute(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(handle_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(handle_.get(), rc, "cannot execute");
    if (message != nullptr) error.message = std::string("cannot execute: ") + message;
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<void> Database::backup_to(const std::filesystem::path& target) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(target.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  const std::unique_ptr<sqlite3, Closer> copy(raw);
  if (opened != SQLITE_OK) return sqlite_error(raw, opened, "cannot open " + target.string());
  sqlite3_backup* backup = sqlite3_backup_init(raw, "main", handle_.get(), "main");
  if (backup == nullptr) return sqlite_error(raw, sqlite3_errcode(raw), "cannot back up to " + target.string());
  const int stepped = sqlite3_backup_step(backup, -1);
  const int finished = sqlite3_backup_finish(backup);
  if (stepped != SQLITE_DONE) return sqlite_error(raw, stepped, "cannot back up to " + target.string());
  if (finished != SQLITE_OK) return sqlite_error(raw, finished, "cannot back up to " + target.string());
  return {};
}

void CheckCancellation::cancel() {
  const std::lock_guard lock(mutex_);
  cancelled_ = true;
  // Safe from any thread while the connection is open; check() clears running_ before it closes.
  if (running_ != nullptr) sqlite3_interrupt(running_);
}

bool CheckCancellation::cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_;
}

Result<Database> Database::open_reader(const std::filesystem::path& path) {
  configure_sqlite_once();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  // Read-only: it never commits, so its durability is never used.
  Database database(raw, path, Durability::kFull);
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open " + path.string());
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return database;
}

Result<void> Database::check(const std::filesystem::path& path, std::int32_t application_id,
                             CheckCancellation* cancellation) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return Error{ErrorCode::kNotFound, "", "cannot read " + path.string() + ": " + error.message()};
  // SQLite takes an empty file for a new database; a backup is never empty.
  if (size == 0) return Error{ErrorCode::kCorrupt, "", path.string() + " is empty, not a SQLite database"};
  auto opened = open_reader(path);
  if (!opened) return opened.error();
  Database& database = *opened;
  sqlite3* raw = database.handle_.get();
  const Error cancelled{ErrorCode::kUnavailable, "", "the integrity check of " + path.string() + " was cancelled"};
  if (cancellation != nullptr) {
    const std::lock_guard lock(cancellation->mutex_);
    if (cancellation->cancelled_) return cancelled;
    cancellation->running_ = raw;
  }
  auto checked = quick_check(database, path);
  if (cancellation != nullptr) {
    const std::lock_guard lock(cancellation->mutex_);
    cancellation->running_ = nullptr;
    if (cancellation->cancelled_) return cancelled;
  }
  if (!checked) {
    // An I/O error while reading is the disk's, not a verdict on the pages read.
    if ((sqlite3_errcode(raw) & 0xFF) == SQLITE_IOERR) {
      return Error{ErrorCode::kIo, "", "cannot read " + path.string() + ": " + sqlite3_errmsg(raw)};
    }
    return checked;
  }
  auto owner = database.prepare("PRAGMA application_id");
  if (!owner) return owner.error();
  auto owned = owner->step();
  if (!owned) return owned.error();
  const auto stored_id = *owned ? static_cast<std::int32_t>(owner->column_int(0)) : 0;
  if (stored_id != application_id) {
    return Error{ErrorCode::kCorrupt, "",
                 path.string() + " is not a database of this kind (application_id " + std::to_string(stored_id) +
                     ", expected " + std::to_string(application_id) + ")"};
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(handle_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &raw, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(handle_.get(), rc, "cannot prepare statement");
  return Statement(std::make_unique<SqliteStatement>(raw, handle_.get()));
}

Result<void> Database::begin() { return execute("BEGIN IMMEDIATE"); }
Result<void> Database::begin_snapshot() { return execute("BEGIN DEFERRED"); }
Result<void> Database::commit() { return execute("COMMIT"); }
void Database::rollback() noexcept {
  if (sqlite3_get_autocommit(handle_.get()) == 0) sqlite3_exec(handle_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle_.get()); }

}  // namespace recount::storage
