// DataDirLock: flock on a file in the data directory.
#include "hub/daemon/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

namespace recount::hub {

Result<DataDirLock> DataDirLock::acquire(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = data_dir / "hub.lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorCode::kIo, "", "cannot create " + file.string() + ": " + std::strerror(errno)};
  DataDirLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error != EWOULDBLOCK)
      return Error{ErrorCode::kIo, "", "cannot lock " + file.string() + ": " + std::strerror(error)};
    char holder[32] = {};
    const ssize_t read = ::pread(fd, holder, sizeof holder - 1, 0);
    std::string pid = read > 0 ? std::string(holder, static_cast<std::size_t>(read)) : std::string("unknown");
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Error{ErrorCode::kConflict, "",
                 "another recount-hub (pid " + pid + ") is using the data directory " + data_dir.string()};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // The pid only serves the message above: the lock holds whether or not it could be written.
  if (::ftruncate(fd, 0) == 0) std::ignore = ::pwrite(fd, pid.data(), pid.size(), 0);
  return lock;
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace recount::hub
