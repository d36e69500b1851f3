// Decoding camera frames in a child process: `recount-agent decode --memory-limit-mib N --sandbox FRAME`.
// A frame is whatever lands in a watched folder, and its decoders (libpng, libjpeg-turbo, ZXing)
// get the worst of it: a frame of a few hundred KB can ask for hundreds of MiB and seconds of
// CPU, and a decoder's bug is a crash or worse. In a child that costs the child: its memory is
// capped and returned when it exits, it may read that frame and nothing else (frame_sandbox.hpp),
// the agent's thread keeps serving scanners and the screen while a frame decodes, and a crash or
// hang ends one frame, not the agent.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/scan/barcode_decoder.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

// This process's own executable, opened once and held open for the rest of its life, as a path:
// "/proc/PID/fd/N". It names the program this process runs even after the file was replaced or
// removed (a package upgrade while the agent runs), and under qemu's user-mode emulation (where
// /proc/self/exe is qemu itself to the kernel). Errors: kIo when it cannot be opened.
Result<std::filesystem::path> own_executable();

// Enough for frames of about 30 megapixels (a phone's 12 MP frame needs about 50 MiB):
// docs/scanning.md. Larger frames are refused with the limit's reason.
inline constexpr std::int64_t kDefaultFrameMemoryLimitMib = 128;
// A frame whose decoding takes longer is refused, its child killed.
inline constexpr std::chrono::seconds kDefaultFrameTimeLimit{30};

struct FrameDecoderOptions {
  std::filesystem::path program;  // recount-agent: own_executable() in the agent itself
  std::int64_t memory_limit_mib = kDefaultFrameMemoryLimitMib;
  std::chrono::milliseconds time_limit = kDefaultFrameTimeLimit;
};

// Decodes one frame at a time in a child running options.program. Not thread-safe: call
// decode() and cancel() on the io_context's thread. A decoding under way holds what it needs
// itself, so the decoder may go before it: its child is then killed.
class FrameDecoder {
 public:
  using Done = std::function<void(Result<std::vector<DecodedBarcode>>)>;

  FrameDecoder(boost::asio::io_context& io, FrameDecoderOptions options);
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;
  ~FrameDecoder();

  // Starts decoding `frame`; `done` runs later on the io_context's thread, with the barcodes
  // (none when the frame has none) or an Error whose field is the frame's path: the child's own
  // error (unreadable image, over the memory limit), or that it took longer than the time limit,
  // died of a signal, ended without an answer, answered more than 1 MiB or something unreadable
  // (kInvalidInput), or could not be started (kIo). Call it again only after `done` ran.
  void decode(const std::filesystem::path& frame, Done done);
  // Kills the child of a decoding under way; its `done` is never called.
  void cancel() noexcept;

 private:
  class Child;

  FrameDecoderOptions options_;
  boost::asio::io_context& io_;
  std::shared_ptr<Child> current_;
};

}  // namespace recount::agent
