// zlib behind gunzip() and GzipStart: the only file that includes <zlib.h>.
#include "shared/core/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace recount {

bool is_gzip(std::string_view bytes) { return bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b'; }

struct Gunzip::State {
  z_stream stream{};
  std::string_view bytes;
  std::size_t max_bytes = 0;
  std::size_t inflated = 0;
  bool started = false;
  bool ended = false;
  std::optional<Error> failure;
  std::array<unsigned char, std::size_t{64} * 1024> buffer{};

  State(std::string_view input, std::size_t limit) : bytes(input), max_bytes(limit) {
    // 16 + MAX_WBITS: a gzip header and trailer, not a bare zlib stream.
    started = inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK;
    if (!started) {
      failure = invalid("file", "cannot start gzip decompression");
      return;
    }
    // zlib's API takes a non-const pointer but never writes the input.
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));  // NOLINT
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size(), UINT32_MAX));
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (started) inflateEnd(&stream);
  }

  std::size_t consumed() const {
    return static_cast<std::size_t>(stream.next_in - reinterpret_cast<const Bytef*>(bytes.data()));
  }

  // One inflate() step: what it produced (possibly nothing), or nullopt after setting `failure`
  // or `ended`.
  std::optional<std::string_view> step() {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t produced = buffer.size() - stream.avail_out;
    if (inflated + produced > max_bytes) {
      failure = invalid("file", "inflates to more than the limit of " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    inflated += produced;
    const std::string_view piece(reinterpret_cast<const char*>(buffer.data()), produced);
    if (status == Z_STREAM_END) {
      // Another member may follow (files joined with cat); trailing zero padding ends the data.
      const auto rest = bytes.substr(consumed());
      if (rest.find_first_not_of('\0') == std::string_view::npos) {
        ended = true;
      } else if (!is_gzip(rest)) {
        failure = invalid("file", "has bytes after the end of the gzip data");
        return std::nullopt;
      } else {
        inflateReset(&stream);
      }
      return piece;
    }
    if (status == Z_OK) {
      if (stream.avail_in == 0 && produced == 0) {
        failure = invalid("file", "is truncated gzip data");
        return std::nullopt;
      }
      if (stream.avail_in == 0 && consumed() < bytes.size()) {
        stream.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size() - consumed(), UINT32_MAX));
      }
      return piece;
    }
    if (status == Z_BUF_ERROR && stream.avail_in == 0) {
      failure = invalid("file", "is truncated gzip data");
      return std::nullopt;
    }
    failure = invalid(
        "file", std::string("is corrupt gzip data (") + (stream.msg != nullptr ? stream.msg : "inflate failed") + ")");
    return std::nullopt;
  }
};

Gunzip::Gunzip(std::string_view bytes, std::size_t max_bytes) : state_(std::make_unique<State>(bytes, max_bytes)) {}
Gunzip::Gunzip(Gunzip&&) noexcept = default;
Gunzip& Gunzip::operator=(Gunzip&&) noexcept = default;
Gunzip::~Gunzip() = default;

Result<std::string_view> Gunzip::next() {
  State& state = *state_;
  while (!state.failure && !state.ended) {
    const auto piece = state.step();
    if (piece && !piece->empty()) return *piece;
  }
  if (state.failure) return *state.failure;
  return std::string_view();
}

std::size_t Gunzip::consumed() const { return state_->consumed(); }

Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes) {
  Gunzip inflater(bytes, max_bytes);
  std::string text;
  // The trailer's last 4 bytes are the (last) member's size modulo 2^32 (RFC 1952): room for it at
  // once, where growing by doubling would hold up to twice the text (a catalog chunk's 0.3 MB took
  // 0.5 MB). Only a hint: a wrong one costs at most max_bytes, which the inflation may take anyway.
  if (bytes.size() >= 18) {
    const auto* end = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size());
    const std::uint32_t size = std::uint32_t{end[-4]} | std::uint32_t{end[-3]} << 8 | std::uint32_t{end[-2]} << 16 |
                               std::uint32_t{end[-1]} << 24;
    text.reserve(std::min<std::size_t>(size, max_bytes));
  }
  while (true) {
    auto piece = inflater.next();
    if (!piece) return piece.error();
    if (piece->empty()) return text;
    text.append(*piece);
  }
}

GzipStart::GzipStart(std::string_view start)
    : crc_(static_cast<std::uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(start.data()), start.size()))),
      start_size_(static_cast<std::uint32_t>(start.size())) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header (zeroed: no name, time 0) before the deflate data.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::cerr << "recount: invariant violated: zlib cannot start deflate\n";
    std::abort();
  }
  // deflateBound() covers a finished stream; a sync flush adds an empty stored block (5 bytes) and
  // the bits that pad the last block to the byte.
  deflated_.resize(deflateBound(&stream, static_cast<uLong>(start.size())) + 16);
  // zlib's API takes a non-const pointer but never writes the input.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(start.data()));  // NOLINT
  stream.avail_in = static_cast<uInt>(start.size());
  stream.next_out = reinterpret_cast<Bytef*>(deflated_.data());
  stream.avail_out = static_cast<uInt>(deflated_.size());
  if (deflate(&stream, Z_SYNC_FLUSH) != Z_OK || stream.avail_in != 0 || stream.avail_out == 0) {
    std::cerr << "recount: invariant violated: zlib did not deflate within deflateBound()\n";
    std::abort();
  }
  deflated_.resize(stream.total_out);
  // The bound is the input's size and more, the output a fraction of it: a catalog's 256 chunks
  // kept ~8 times the memory they use (the hub peaked at 165 MiB instead of 92).
  deflated_.shrink_to_fit();
  deflateEnd(&stream);  // the stream is never finished: finish() writes its last block and trailer
}

std::string GzipStart::ending(std::string_view end) const {
  constexpr std::size_t kMaxStored = 65'535;  // a stored block's LEN is 16 bits
  std::string out;
  out.reserve(end.size() + (end.size() / kMaxStored + 1) * 5 + 8);
  const auto put_le = [&out](std::uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  };
  std::size_t offset = 0;
  do {
    const std::size_t length = std::min(end.size() - offset, kMaxStored);
    const bool last = offset + length == end.size();
    // The block header's 3 bits (BFINAL, BTYPE 00 = stored), padded to the byte: the sync flush left
    // the stream at a byte boundary, and a stored block's data ends at one.
    out += static_cast<char>(last ? 1 : 0);
    put_le(static_cast<std::uint32_t>(length), 2);
    put_le(static_cast<std::uint32_t>(~length & 0xFFFF), 2);
    out.append(end.substr(offset, length));
    offset += length;
  } while (offset < end.size());
  // zlib answers a null buffer (an empty end's) with the initial CRC, not the one it is given.
  const auto crc = end.empty() ? crc_ : crc32_z(crc_, reinterpret_cast<const Bytef*>(end.data()), end.size());
  put_le(static_cast<std::uint32_t>(crc), 4);
  put_le(start_size_ + static_cast<std::uint32_t>(end.size()), 4);
  return out;
}

std::string GzipStart::finish(std::string_view end) const { return deflated_ + ending(end); }

std::string gzip(std::string_view bytes) { return GzipStart(bytes).finish({}); }

}  // namespace recount
