// recount-hub --audit-checkpoints DIR: signed checkpoints kept as files outside the data directory
// (ideally on another disk or machine), where someone who rewrites the database cannot reach them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "shared/core/result.hpp"

namespace recount::hub {

// One file per checkpoint, checkpoint-<entry id, 20 digits>.json, and latest.json, a copy of the
// newest. Each is written to a temporary file, fsynced and renamed into place, and the directory
// is fsynced, so a crash leaves the old file or the whole new one. Only the newest `kept`
// checkpoint files stay (kKept by default): each covers every entry before it, so older ones add
// little, and growth is bounded at about kept × 300 bytes. Not thread-safe; blocks on the disk.
class CheckpointDirectory {
 public:
  static constexpr std::size_t kKept = 1000;
  static constexpr std::string_view kLatest = "latest.json";

  // Creates the directory if missing (mode 0755). Errors: kIo naming it.
  static Result<CheckpointDirectory> open(const std::filesystem::path& directory, std::size_t kept = kKept);

  // Writes a signed checkpoint (as sign_checkpoint returns it) of entry `entry_id`, replacing
  // latest.json, and removes the oldest checkpoint files beyond `kept`. Errors: kIo naming the file.
  Result<void> write(std::int64_t entry_id, const std::string& signed_checkpoint);

  const std::filesystem::path& path() const { return directory_; }

 private:
  CheckpointDirectory(std::filesystem::path directory, std::size_t kept)
      : directory_(std::move(directory)), kept_(kept) {}
  std::filesystem::path directory_;
  std::size_t kept_;
};

}  // namespace recount::hub
