// Frames decoded in a child process.
#include "agent/scan/frame_decoder.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/scan/decode_line.hpp"

namespace recount::agent {
namespace {

// A frame's answer is a line of its barcodes' texts and corners: a few KB even for a frame full
// of QR codes. More is a decoder gone wrong.
constexpr std::size_t kMaxAnswerBytes = std::size_t{1024} * 1024;

// What posix_spawn's child exits with when the exec fails. glibc reports that failure to the
// caller, except where the child does not share the caller's memory until the exec (qemu's
// user-mode emulation): then only this status tells.
constexpr int kCouldNotExecute = 127;

std::string duration_text(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

// One frame's child: its answer pipe, its pidfd and its deadline. Handlers hold a shared_ptr to
// it, so it stays until its child has exited and been reaped, whether or not it was cancelled.
class FrameDecoder::Child : public std::enable_shared_from_this<Child> {
 public:
  Child(boost::asio::io_context& io, std::filesystem::path program, std::filesystem::path frame, Done done)
      : program_(std::move(program)),
        frame_(std::move(frame)),
        done_(std::move(done)),
        answer_pipe_(io),
        exit_(io),
        deadline_(io) {}

  Result<void> spawn(const FrameDecoderOptions& options) {
    std::array<int, 2> pipe_ends{};
    if (pipe2(pipe_ends.data(), O_CLOEXEC) != 0) return cannot_start(std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    // Nothing the agent has open (journal, serial ports, sockets) is open in the child.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    const std::string limit = std::to_string(options.memory_limit_mib);
    const std::array<const char*, 8> argv = {program_.c_str(), "decode", "--memory-limit-mib", limit.c_str(),
                                             "--sandbox",      "--",     frame_.c_str(),       nullptr};
    const int spawned =
        posix_spawn(&pid_, program_.c_str(), &actions, nullptr, const_cast<char* const*>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_ends[1]);
    if (spawned != 0) {
      close(pipe_ends[0]);
      return cannot_start(program_.string() + ": " + std::strerror(spawned));
    }
    // Through syscall(): bookworm's <sys/pidfd.h> (glibc 2.36) declares pidfd_open without C linkage.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd < 0) {
      const int error = errno;
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      close(pipe_ends[0]);
      return cannot_start(std::string("pidfd_open: ") + std::strerror(error));
    }
    answer_pipe_.assign(pipe_ends[0]);
    exit_.assign(pidfd);
    read_answer();
    await_exit();
    deadline_.expires_after(options.time_limit);
    deadline_.async_wait(
        [self = shared_from_this(), limit = options.time_limit](const boost::system::error_code& error) {
          // Also when the child is gone but its pipe is still open (something it started holds it).
          if (error || (self->exited_ && self->answer_read_)) return;
          self->stop("decoding took longer than " + duration_text(limit) + ", stopped");
        });
    return {};
  }

  // Never throws: the decoder's destructor cancels.
  void cancel() noexcept {
    done_ = nullptr;
    if (!exited_ && pid_ > 0) kill(pid_, SIGKILL);
    close_answer();
  }

  // Hands over a failure to start, unless cancelled meanwhile.
  void fail(const Error& error) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(error);
  }

 private:
  Error cannot_start(const std::string& reason) const {
    return Error{ErrorCode::kIo, frame_.string(), "cannot start the frame decoder: " + reason};
  }

  void read_answer() {
    answer_pipe_.async_read_some(boost::asio::buffer(chunk_),
                                 [self = shared_from_this()](const boost::system::error_code& error, std::size_t n) {
                                   if (self->answer_read_) return;  // stopped meanwhile
                                   self->answer_.append(self->chunk_.data(), n);
                                   if (self->answer_.size() > kMaxAnswerBytes)
                                     return self->stop("the decoder answered more than 1 MiB");
                                   if (!error) return self->read_answer();
                                   self->close_answer();
                                   self->finish_when_done();
                                 });
  }

  void await_exit() {
    exit_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& error) {
                       if (error == boost::asio::error::operation_aborted) return;
                       // Readable means exited: the child is reaped without blocking (-1 when
                       // someone else reaped it, which also means it is gone).
                       const pid_t reaped = waitpid(self->pid_, &self->status_, WNOHANG);
                       if (reaped == 0) return self->await_exit();
                       self->exited_ = true;
                       boost::system::error_code ignored;
                       self->exit_.close(ignored);
                       self->finish_when_done();
                     });
  }

  // Kills the child for `reason` and stops reading its answer; it is reaped when it has exited.
  void stop(std::string reason) {
    if (failure_.empty()) failure_ = std::move(reason);
    if (!exited_ && pid_ > 0) kill(pid_, SIGKILL);
    close_answer();
    finish_when_done();
  }

  void close_answer() noexcept {
    if (answer_read_) return;
    answer_read_ = true;
    boost::system::error_code ignored;
    answer_pipe_.close(ignored);
  }

  void finish_when_done() {
    if (!exited_ || !answer_read_ || !done_) return;
    deadline_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    done(result());
  }

  Result<std::vector<DecodedBarcode>> result() const {
    const auto refused = [&](std::string message) {
      return Error{ErrorCode::kInvalidInput, frame_.string(), std::move(message)};
    };
    if (!failure_.empty()) return refused(failure_);
    if (WIFSIGNALED(status_)) {
      const int signal = WTERMSIG(status_);
      const char* name = sigabbrev_np(signal);
      return refused(std::string("the decoder died of SIG") + (name ? name : std::to_string(signal)) + " (" +
                     strsignal(signal) + ")");
    }
    const auto end = answer_.find('\n');
    if (end == std::string::npos && WEXITSTATUS(status_) == kCouldNotExecute) {
      return cannot_start(program_.string() + ": could not be executed (exit status 127)");
    }
    if (end == std::string::npos) {
      return refused("the decoder ended (exit status " + std::to_string(WEXITSTATUS(status_)) + ") without an answer");
    }
    if (end + 1 != answer_.size()) return refused("the decoder answered more than one line");
    auto barcodes = parse_decode_line(std::string_view(answer_).substr(0, end));
    if (!barcodes) return refused(barcodes.error().describe());
    return barcodes;
  }

  std::filesystem::path program_;
  std::filesystem::path frame_;
  Done done_;  // empty once called or cancelled
  boost::asio::posix::stream_descriptor answer_pipe_;
  boost::asio::posix::stream_descriptor exit_;  // the child's pidfd: readable once it has exited
  boost::asio::steady_timer deadline_;
  pid_t pid_ = -1;
  int status_ = 0;  // waitpid()'s, once exited_
  bool exited_ = false;
  bool answer_read_ = false;  // its pipe reached its end, or is no longer read
  std::array<char, 4096> chunk_{};
  std::string answer_;
  std::string failure_;  // why the child was stopped, if it was
};

Result<std::filesystem::path> own_executable() {
  // Never closed: the path is good only while this descriptor is open.
  const int executable = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (executable < 0)
    return Error{ErrorCode::kIo, "/proc/self/exe", std::string("cannot open: ") + std::strerror(errno)};
  return std::filesystem::path("/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(executable));
}

FrameDecoder::FrameDecoder(boost::asio::io_context& io, FrameDecoderOptions options)
    : options_(std::move(options)), io_(io) {}

FrameDecoder::~FrameDecoder() { cancel(); }

void FrameDecoder::decode(const std::filesystem::path& frame, Done done) {
  current_ = std::make_shared<Child>(io_, options_.program, frame, std::move(done));
  if (auto started = current_->spawn(options_); !started) {
    boost::asio::post(io_, [child = current_, error = started.error()] { child->fail(error); });
  }
}

void FrameDecoder::cancel() noexcept {
  if (current_) current_->cancel();
  current_.reset();
}

}  // namespace recount::agent
