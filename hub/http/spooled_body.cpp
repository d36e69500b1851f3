// POSIX adapter: mkostemp, unlink, mmap and madvise.
#include "hub/http/spooled_body.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "hub/http/mapped_pages.hpp"

namespace recount::hub {

Result<int> create_spool_file(const std::filesystem::path& directory) {
  std::error_code ignored;
  const std::filesystem::path where = directory.empty() ? std::filesystem::temp_directory_path(ignored) : directory;
  std::string name = (where / "recount-upload-XXXXXX").string();
  const int descriptor = ::mkostemp(name.data(), O_CLOEXEC);
  if (descriptor < 0) {
    return Error{
        ErrorCode::kUnavailable, "upload",
        "cannot create a temporary file for the request body in " + where.string() + ": " + std::strerror(errno)};
  }
  ::unlink(name.c_str());
  return descriptor;
}

Result<std::shared_ptr<const MappedFile>> MappedFile::map(int descriptor) {
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    return Error{ErrorCode::kIo, "upload",
                 std::string("cannot read the size of the request body: ") + std::strerror(errno)};
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0));
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, descriptor, 0);
  if (data == MAP_FAILED) {
    return Error{ErrorCode::kIo, "upload", std::string("cannot map the request body: ") + std::strerror(errno)};
  }
  // Parsers read it front to back.
  ::madvise(data, size, MADV_SEQUENTIAL);
  return std::shared_ptr<const MappedFile>(new MappedFile(data, size));
}

void release_pages(const MappedFile& file, std::string_view part) {
  const auto mapped = file.bytes();
  const auto base = reinterpret_cast<std::uintptr_t>(mapped.data());
  const auto begin = reinterpret_cast<std::uintptr_t>(part.data());
  const auto end = begin + part.size();
  if (mapped.empty() || begin < base || end > base + mapped.size()) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = (begin + page - 1) / page * page;  // whole pages only: a neighbour may still be read
  const auto last = end / page * page;
  // A shared file mapping's pages come back from the page cache when touched again.
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);  // NOLINT
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace recount::hub
