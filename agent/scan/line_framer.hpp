// Splits the byte stream of a keyboard-wedge or serial scanner into scans, one per line.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::agent {

// Longest line a scanner may send; GS1 DataMatrix and QR Digital Link URIs stay well below.
inline constexpr std::size_t kMaxLineBytes = 4096;

// CR, LF and CRLF each end a line (scanners send any of them as suffix); empty lines are
// skipped. Every other byte is kept, so a GS (29) inside a GS1 scan arrives as it was sent.
// Not thread-safe; one framer per stream.
class LineFramer {
 public:
  // A line is handed over as a value, or as an Error (kInvalidInput) when it was longer than
  // max_line_bytes: such a line is dropped whole, up to its end, and never split into pieces.
  using LineHandler = std::function<void(Result<std::string>)>;

  explicit LineFramer(std::size_t max_line_bytes = kMaxLineBytes) : max_line_bytes_(max_line_bytes) {}

  // Consumes `bytes` and calls `on_line` for every line they complete.
  void feed(std::string_view bytes, const LineHandler& on_line);

  // At the end of the stream: hands over a last line that had no terminator.
  void finish(const LineHandler& on_line);

  // At the end of a stream whose last line is not to be trusted (a serial scanner unplugged in
  // the middle of a transmission): drops a line that had no terminator, reporting it as an Error
  // (kInvalidInput) so the person scans again; nothing when no line was begun.
  void abandon(const LineHandler& on_line);

 private:
  void end_line(const LineHandler& on_line);

  std::size_t max_line_bytes_;
  std::string line_;
  bool overflowed_ = false;  // the current line passed max_line_bytes; drop it at its end
};

}  // namespace recount::agent
