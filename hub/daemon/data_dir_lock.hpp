// One recount-hub per data directory. The hub keeps what it knows about positions in memory
// between commits (hub/reconcile/projections.hpp) and numbers its own events in one journal
// epoch, so a second hub writing the same ledger would leave the first one's view wrong; two
// hubs would also ingest every message twice.
#pragma once

#include <filesystem>

#include "shared/core/result.hpp"

namespace recount::hub {

// An exclusive lock on DIR/hub.lock (flock), held until destruction, so also released by a crash.
// The file holds the holder's pid for the error message.
class DataDirLock {
 public:
  // kConflict: another process holds the lock (the error names the directory and its pid);
  // kIo: the lock file cannot be created.
  static Result<DataDirLock> acquire(const std::filesystem::path& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace recount::hub
