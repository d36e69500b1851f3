// Durable checkpoint files.
#include "hub/audit/checkpoint_directory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace recount::hub {
namespace {

constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kSuffix = ".json";

std::string file_name(std::int64_t entry_id) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(entry_id));
  return std::string(kPrefix) + digits + std::string(kSuffix);
}

// Temporary file, fsync, rename: readers see the old file or the whole new one. Checkpoints are
// public (anyone may verify with them), hence 0644.
Result<void> write_durably(const std::filesystem::path& file, const std::string& text) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorCode::kIo, "", "cannot create " + temporary.string()};
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), file.c_str()) != 0) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Error{ErrorCode::kIo, "", "cannot write " + file.string()};
  }
  return {};
}

Result<void> sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{ErrorCode::kIo, "", "cannot open " + directory.string()};
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Error{ErrorCode::kIo, "", "cannot sync " + directory.string()};
  return {};
}

}  // namespace

Result<CheckpointDirectory> CheckpointDirectory::open(const std::filesystem::path& directory, std::size_t kept) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error || !std::filesystem::is_directory(directory, error)) {
    return Error{ErrorCode::kIo, "",
                 "cannot create the checkpoint directory " + directory.string() +
                     (error ? ": " + error.message() : std::string())};
  }
  std::filesystem::permissions(directory, std::filesystem::perms(0755), error);
  return CheckpointDirectory(directory, kept);
}

Result<void> CheckpointDirectory::write(std::int64_t entry_id, const std::string& signed_checkpoint) {
  if (auto ok = write_durably(directory_ / file_name(entry_id), signed_checkpoint); !ok) return ok;
  if (auto ok = write_durably(directory_ / kLatest, signed_checkpoint); !ok) return ok;
  std::vector<std::filesystem::path> kept;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == file_name(0).size() && name.starts_with(kPrefix) && name.ends_with(kSuffix)) {
      kept.push_back(entry.path());
    }
  }
  if (error) return Error{ErrorCode::kIo, "", "cannot list " + directory_.string() + ": " + error.message()};
  if (kept.size() > kept_) {
    // Zero-padded ids sort as numbers.
    std::sort(kept.begin(), kept.end());
    for (std::size_t i = 0; i + kept_ < kept.size(); ++i) std::filesystem::remove(kept[i], error);
  }
  return sync_directory(directory_);
}

}  // namespace recount::hub
