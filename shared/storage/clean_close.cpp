// The clean-close marker: its contents are compared byte for byte with what the file is now, so
// nothing in it is ever parsed. The damage marker is only ever tested for, never read.
#include "shared/storage/clean_close.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "shared/storage/atomic_file.hpp"

namespace recount::storage {
namespace {

Error io_error(const std::filesystem::path& file, const std::string& what) {
  return Error{ErrorCode::kIo, "", what + " " + file.string() + ": " + std::strerror(errno)};
}

// What the marker says about `database_file` as it is now; nothing when it cannot be examined.
std::optional<std::string> describe(const std::filesystem::path& database_file) {
  struct stat status {};
  if (::stat(database_file.c_str(), &status) != 0) return std::nullopt;
  return "recount clean close 1 device " + std::to_string(status.st_dev) + " inode " + std::to_string(status.st_ino) +
         " size " + std::to_string(status.st_size) + " modified " + std::to_string(status.st_mtim.tv_sec) + "." +
         std::to_string(status.st_mtim.tv_nsec) + "\n";
}

// The marker's contents, at most one buffer of them (a longer file is not a marker of ours).
std::string read_marker(const std::filesystem::path& marker) {
  const int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::array<char, 256> buffer{};
  std::string contents;
  for (;;) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    contents.append(buffer.data(), static_cast<std::size_t>(n));
    if (contents.size() > buffer.size()) break;
  }
  ::close(fd);
  return contents;
}

// A WAL with frames holds commits the file does not: its last close was no checkpointed close.
bool has_wal_content(const std::filesystem::path& database_file) {
  struct stat status {};
  const auto wal = database_file.string() + "-wal";
  return ::stat(wal.c_str(), &status) == 0 && status.st_size > 0;
}

Result<void> sync_directory(const std::filesystem::path& file) {
  const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(directory, "cannot open the directory");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return io_error(directory, "cannot sync the directory");
  return {};
}

}  // namespace

std::filesystem::path clean_close_marker(const std::filesystem::path& database_file) {
  return database_file.string() + "-clean";
}

Result<PreviousClose> take_clean_close(const std::filesystem::path& database_file) {
  const auto marker = clean_close_marker(database_file);
  const std::string contents = read_marker(marker);
  if (::unlink(marker.c_str()) != 0) {
    if (errno == ENOENT) return PreviousClose::kUnclean;
    return io_error(marker, "cannot remove the clean-close marker");
  }
  if (auto synced = sync_directory(marker); !synced) return synced.error();
  const auto now = describe(database_file);
  const bool clean = now && contents == *now && !has_wal_content(database_file);
  return clean ? PreviousClose::kClean : PreviousClose::kUnclean;
}

Result<void> record_clean_close(const std::filesystem::path& database_file) {
  const auto now = describe(database_file);
  if (!now) return io_error(database_file, "cannot examine");
  return write_file_atomically(clean_close_marker(database_file), *now, kOwnerOnly);
}

std::filesystem::path damage_marker(const std::filesystem::path& database_file) {
  return database_file.string() + "-damaged";
}

Result<void> record_damage(const std::filesystem::path& database_file, const std::string& finding) {
  return write_file_atomically(damage_marker(database_file), finding + "\n", kOwnerOnly);
}

bool damage_recorded(const std::filesystem::path& database_file) {
  struct stat status {};
  return ::stat(damage_marker(database_file).c_str(), &status) == 0;
}

Result<void> clear_damage(const std::filesystem::path& database_file) {
  const auto marker = damage_marker(database_file);
  if (::unlink(marker.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return io_error(marker, "cannot remove the damage marker");
  }
  return sync_directory(marker);
}

}  // namespace recount::storage
