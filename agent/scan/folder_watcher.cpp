// Watched folder of camera frames.
#include "agent/scan/folder_watcher.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/post.hpp>

namespace recount::agent {
namespace {

bool is_image_name(const std::filesystem::path& path) {
  auto extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

}  // namespace

FolderWatcher::FolderWatcher(boost::asio::io_context& io, FolderWatchOptions options)
    : options_(std::move(options)), io_(io), timer_(io), decoder_(io, options_.decoder) {}

void FolderWatcher::start(ScanHandler on_scan, ProblemHandler on_problem) {
  on_scan_ = std::move(on_scan);
  on_problem_ = std::move(on_problem);
  poll(Poll::kFirst);
}

void FolderWatcher::stop() {
  stopped_ = true;
  timer_.cancel();
  decoder_.cancel();
}

void FolderWatcher::arm() {
  timer_.expires_after(options_.poll_interval);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error && !self->stopped_) self->poll(Poll::kLater);
  });
}

void FolderWatcher::poll(Poll which) {
  if (stopped_) return;
  std::error_code error;
  std::filesystem::directory_iterator entries(options_.folder, error);
  if (error) {
    if (!listing_failed_)
      on_problem_(Error{ErrorCode::kIo, options_.folder.string(), "cannot list: " + error.message()});
    listing_failed_ = true;
    arm();
    return;
  }
  listing_failed_ = false;

  std::map<std::filesystem::path, FileState> current;
  for (; entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    const auto& path = entries->path();
    if (!is_image_name(path) || !entries->is_regular_file(error)) continue;
    FileState state{entries->file_size(error), entries->last_write_time(error), false};
    if (error) continue;  // gone between listing and looking: the next poll decides
    if (const auto known = files_.find(path); known != files_.end()) {
      const bool stable = known->second.size == state.size && known->second.modified == state.modified;
      state.handled = known->second.handled || stable;
      state.ready = !known->second.handled && stable;
    } else {
      state.handled = which == Poll::kFirst && options_.existing == ExistingFiles::kSkip;
    }
    current.emplace(path, state);
  }
  for (auto& [path, state] : current) {  // in file-name order, which is frame order for numbered frames
    if (state.ready) ready_.push_back(path);
    state.ready = false;
  }
  files_ = std::move(current);
  continue_with_ready();
}

void FolderWatcher::continue_with_ready() {
  if (ready_.empty()) {
    arm();
  } else {
    boost::asio::post(io_, [self = shared_from_this()] { self->decode_next(); });
  }
}

void FolderWatcher::decode_next() {
  if (stopped_) return;
  const auto path = ready_.front();
  ready_.pop_front();
  decoder_.decode(path, [self = shared_from_this(), path](Result<std::vector<DecodedBarcode>> barcodes) {
    self->decoded(path, std::move(barcodes));
  });
}

void FolderWatcher::decoded(const std::filesystem::path& path, Result<std::vector<DecodedBarcode>> barcodes) {
  if (stopped_) return;
  if (!barcodes && barcodes.error().code == ErrorCode::kIo) {
    // The decoder could not start (out of processes or memory): the frame is neither removed
    // nor given up but tried again at the next poll, before the frames after it, whose order
    // matters (a location's label, then what is counted there).
    ready_.push_front(path);
    if (!decoder_failed_) on_problem_(barcodes.error());
    decoder_failed_ = true;
    return arm();
  }
  decoder_failed_ = false;
  if (options_.decoded == DecodedFrames::kRemove) {
    // Removed before its scans are handed over: a handler that stops the watcher leaves no
    // decoded frame behind to be decoded again by the next run.
    std::error_code error;
    std::filesystem::remove(path, error);
    files_.erase(path);
    if (error) on_problem_(Error{ErrorCode::kIo, path.string(), "cannot remove: " + error.message()});
  }
  if (!barcodes) {
    if (!stopped_) on_problem_(barcodes.error());
  } else {
    for (auto& barcode : *barcodes) {
      if (stopped_) return;
      on_scan_(
          Scan{std::move(barcode.text), std::move(barcode.symbology_identifier), ScanSource::kImage, path.string()});
    }
  }
  if (!stopped_) continue_with_ready();
}

}  // namespace recount::agent
