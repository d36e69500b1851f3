// Whole-file writes through a temporary file and rename.
#include "shared/storage/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace recount::storage {
namespace {

Error io_error(const std::filesystem::path& file, const std::string& what) {
  return Error{ErrorCode::kIo, "", what + " " + file.string() + ": " + std::strerror(errno)};
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view contents,
                                   std::filesystem::perms mode) {
  const auto temporary = file.string() + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return io_error(temporary, "cannot create");
  struct stat existing {};
  const bool had_file = ::stat(file.c_str(), &existing) == 0;
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  // Only root may give a file away; anyone else keeps it as their own, which is the same owner.
  if (ok && had_file && ::geteuid() == 0) ok = ::fchown(fd, existing.st_uid, existing.st_gid) == 0;
  for (std::size_t written = 0; ok && written < contents.size();) {
    const auto n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (::close(fd) != 0) ok = false;
  if (!ok || ::rename(temporary.c_str(), file.c_str()) != 0) {
    auto error = io_error(file, "cannot write");
    ::unlink(temporary.c_str());
    return error;
  }
  return {};
}

Result<std::string> read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error(file, "cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace recount::storage
