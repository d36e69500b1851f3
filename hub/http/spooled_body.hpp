// Import bodies on disk: the server writes a large request body into an unlinked temporary file
// as it arrives and hands the routes a read-only mapping of it, so a 40 MB catalog costs the hub
// page cache, not heap.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

// Creates an empty temporary file in `directory` (the system's temporary directory when empty)
// and unlinks it at once, so that nothing is left behind when the hub stops or crashes; returns
// its descriptor (read-write, close-on-exec), which the caller owns. Errors: kUnavailable naming
// the directory when no file can be created there. Thread-safe.
Result<int> create_spool_file(const std::filesystem::path& directory);

// The bytes of a file, mapped read-only and shared (the mapping stays valid after the file's
// descriptor is closed). Immutable once made: thread-safe.
class MappedFile {
 public:
  // Maps the whole of the file open as `descriptor`, which stays the caller's. Errors: kIo when
  // its size cannot be read or it cannot be mapped.
  static Result<std::shared_ptr<const MappedFile>> map(int descriptor);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  void* data_;  // nullptr for an empty file, which has nothing to map
  std::size_t size_;
};

}  // namespace recount::hub
