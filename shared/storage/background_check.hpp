// SQLite's integrity check of a database that is already in use: after an unclean close, WAL
// recovery at open makes the file consistent at once, and PRAGMA quick_check, which looks for
// damage to the medium that recovery cannot see, runs on a thread and a read-only connection of
// its own while the database serves (docs/storage.md, "Checking in the background").
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "shared/core/result.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::storage {

// One check of one file, from start() until destruction. Thread-safe: verdict() may be read from
// any thread while the check runs.
class BackgroundCheck {
 public:
  enum class Verdict {
    kRunning,  // also after a cancellation: the file was not verified
    kPassed,
    kFailed,  // damage found, or the file could not be read: record_damage() wrote the finding
  };
  // Runs once, on the check's thread, when the check ends other than by cancellation, after
  // verdict() already answers kPassed or kFailed: with nothing when the file passed, else with the
  // error that failed it (kCorrupt: damage, naming the file; kIo: the file could not be read, or
  // kNotFound). It must not block for long, and must not destroy the check.
  using Finished = std::function<void(const Result<void>& verdict)>;

  // Starts Database::check(path, application_id) on a new thread: one read transaction over the
  // file as committed when it begins, which other connections go on writing in WAL mode (the WAL
  // keeps what they commit meanwhile until the check ends). On failure verdict() turns kFailed
  // first, then the damage marker (clean_close.hpp: record_damage) is written before `finished`
  // runs, so the next open checks before it writes whatever its StartCheck; if even that write
  // fails, the error goes to stderr.
  static std::unique_ptr<BackgroundCheck> start(std::filesystem::path path, std::int32_t application_id,
                                                Finished finished);

  // Cancels the check if it still runs (CheckCancellation: SQLite stops within a page or so)
  // and waits for its thread, and for `finished` if it is running.
  ~BackgroundCheck();
  BackgroundCheck(const BackgroundCheck&) = delete;
  BackgroundCheck& operator=(const BackgroundCheck&) = delete;

  Verdict verdict() const { return verdict_.load(); }

 private:
  BackgroundCheck() = default;
  void run(const std::filesystem::path& path, std::int32_t application_id, const Finished& finished);

  std::atomic<Verdict> verdict_{Verdict::kRunning};
  CheckCancellation cancellation_;
  std::thread thread_;  // last: it starts once the members above exist
};

}  // namespace recount::storage
