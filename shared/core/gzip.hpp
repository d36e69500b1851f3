// gzip, the one adapter over zlib: imported files (Amazon's reports come gzipped) are inflated, and
// the chunks of a large catalog travel to devices deflated (shared/protocol/catalog_chunks.hpp).
#pragma once

#include <cstddef>
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

// `bytes` as one gzip member at zlib's default level, with no file name and a zero time in its
// header, so the same bytes always deflate to the same output (a chunk's hash names its content).
// Never fails (zlib refusing to deflate in memory is an invariant violation and aborts).
std::string gzip(std::string_view bytes);

}  // namespace recount
