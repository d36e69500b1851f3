// gzip, the one adapter over zlib: imported files (Amazon's reports come gzipped) are inflated, and
// the chunks of a large catalog travel to devices deflated (shared/protocol/catalog_chunks.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount {

// True when `bytes` start with gzip's magic number, 1f 8b.
bool is_gzip(std::string_view bytes);

// The inflated bytes of a gzip stream (several members concatenated are read one after another, as
// gunzip does). Errors (kInvalidInput, field "file"): corrupt or truncated data, or more than
// `max_bytes` inflated (the limit named). Blocks on nothing; memory is bounded by `max_bytes`.
Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes);

// A gzip stream inflated a piece at a time, so that a large file costs a window of memory, not its
// inflated size. Movable, not copyable; not thread-safe. Blocks on nothing.
class Gunzip {
 public:
  // Reads `bytes` (which must outlive it), allowing at most `max_bytes` inflated in all.
  Gunzip(std::string_view bytes, std::size_t max_bytes);
  Gunzip(Gunzip&&) noexcept;
  Gunzip& operator=(Gunzip&&) noexcept;
  ~Gunzip();

  // The next inflated piece (at most 64 KiB, valid until the next call); empty at the end.
  // Errors: as gunzip's; once one is returned, every later call returns it again.
  Result<std::string_view> next();
  // How many of the input's bytes zlib has taken so far.
  std::size_t consumed() const;

 private:
  struct State;  // zlib's stream and the window
  std::unique_ptr<State> state_;
};

// A gzip member of a long text that many copies share, each finished with a short end of its
// own: the start is deflated once, at zlib's default level, up to a sync flush (which leaves the
// deflate stream at a byte boundary, referring to nothing after it); finish() appends the end
// uncompressed, as stored blocks (RFC 1951 3.2.4), and the trailer over start and end. A catalog
// chunk is such a text: the same items for every site, the site's name last
// (shared/protocol/catalog_chunks.hpp). No file name and a zero time in the header, so the same
// bytes always deflate to the same output (a chunk's hash names its content). Thread-safe to
// read. Never fails (zlib refusing to deflate in memory is an invariant violation and aborts).
class GzipStart {
 public:
  explicit GzipStart(std::string_view start);

  // The member's bytes up to the end: what every finish() begins with.
  const std::string& bytes() const { return deflated_; }
  // What finish(end) appends to bytes().
  std::string ending(std::string_view end) const;
  // bytes() followed by ending(end): the whole member of start + end.
  std::string finish(std::string_view end) const;

 private:
  std::string deflated_;
  std::uint32_t crc_ = 0;         // CRC-32 of the start
  std::uint32_t start_size_ = 0;  // its size modulo 2^32, as the trailer counts
};

// `bytes` as one gzip member (GzipStart with an empty end).
std::string gzip(std::string_view bytes);

}  // namespace recount
