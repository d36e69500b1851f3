// Camera input through a folder of frames: a camera (or its capture tool) writes image files
// into a folder; the watcher decodes each new PNG or JPEG once and delivers its barcodes as scans.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/scan/frame_decoder.hpp"
#include "agent/scan/scan.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

enum class ExistingFiles {
  kSkip,    // frames already in the folder at start were dealt with before; do not count them again
  kDecode,  // decode them like new ones
};

enum class DecodedFrames {
  kKeep,    // left where they are: whoever writes the folder owns and rotates it
  kRemove,  // deleted once decoded or found unreadable, so a camera's capture folder does not grow
};

struct FolderWatchOptions {
  std::filesystem::path folder;
  std::chrono::milliseconds poll_interval{250};
  ExistingFiles existing = ExistingFiles::kSkip;
  DecodedFrames decoded = DecodedFrames::kKeep;
  FrameDecoderOptions decoder;  // each frame is decoded in a child process
};

// Polls the folder every poll_interval. A file (.png, .jpg, .jpeg in any case) is decoded once,
// as soon as its size and modification time are the same at two polls in a row, so a frame
// still being written is not read half-way; writers that write under another name and rename
// are never caught half-way at all. Each barcode found becomes a Scan (source kImage, origin
// the file's path); a frame without barcode gives nothing. Files are never changed; they are
// deleted after decoding only under DecodedFrames::kRemove (frames skipped at start are kept).
//
// Frames are decoded one at a time by a FrameDecoder (a child process with memory and time
// limits); handlers run on the io_context's thread, which decoding never holds. on_problem gets
// an Error for a file that cannot be read or decoded, or whose decoder failed (the file is then
// skipped), for a decoder that cannot be started (reported once until one starts again; the
// frame is kept and tried again, still before later frames, at each poll), for a decoded frame that cannot be removed,
// and for a folder that cannot be listed (reported once until listing works again); watching carries on. Pending waits
// hold a shared_ptr to the watcher. Not thread-safe: call start() and stop() on the io_context's thread.
class FolderWatcher : public std::enable_shared_from_this<FolderWatcher> {
 public:
  using ScanHandler = std::function<void(Scan)>;
  using ProblemHandler = std::function<void(const Error&)>;

  FolderWatcher(boost::asio::io_context& io, FolderWatchOptions options);
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  // Lists the folder before returning (on_problem may run then, if it cannot be listed): the
  // frames found are treated as options.existing says, every later one as new.
  void start(ScanHandler on_scan, ProblemHandler on_problem);
  // Cancels the next poll and kills a decoding under way; no handler is called afterwards.
  void stop();

 private:
  struct FileState {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified{};
    bool handled = false;  // decoded, queued for decoding, or skipped
    bool ready = false;    // became stable at this poll: to be queued
  };

  // The first poll after start() is the one that sees the files already there (ExistingFiles).
  enum class Poll { kFirst, kLater };
  void poll(Poll which);
  void decode_next();
  void decoded(const std::filesystem::path& path, Result<std::vector<DecodedBarcode>> barcodes);
  // Decodes the next ready file in a handler of its own, or waits for the next poll.
  void continue_with_ready();
  void arm();

  FolderWatchOptions options_;
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  FrameDecoder decoder_;
  std::map<std::filesystem::path, FileState> files_;  // the image files seen at the last poll
  std::deque<std::filesystem::path> ready_;           // stable files waiting to be decoded
  ScanHandler on_scan_;
  ProblemHandler on_problem_;
  bool listing_failed_ = false;
  bool decoder_failed_ = false;  // its failure to start was reported; until a decoding starts again
  bool stopped_ = false;
};

}  // namespace recount::agent
