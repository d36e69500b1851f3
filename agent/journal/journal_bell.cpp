// The journal's doorbell.
#include "agent/journal/journal_bell.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace recount::agent {
namespace {

// False when `path` does not fit a Unix socket address (108 bytes on Linux, terminator included).
bool fits(const std::filesystem::path& path) { return path.native().size() < sizeof(sockaddr_un::sun_path); }

}  // namespace

std::filesystem::path journal_bell_path(const std::filesystem::path& journal_file) {
  return journal_file.parent_path() / "journal.bell";
}

void ring_journal_bell(const std::filesystem::path& journal_file) {
  const auto path = journal_bell_path(journal_file);
  if (!fits(path)) return;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.native().size());
  // No listener (ENOENT, ECONNREFUSED) or a full queue (EAGAIN): a ring is already pending or no
  // one is there to wake, so the result does not matter.
  (void)::sendto(fd, "", 0, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  ::close(fd);
}

Result<std::unique_ptr<JournalBell>> JournalBell::listen(boost::asio::io_context& io,
                                                         const std::filesystem::path& journal_file,
                                                         std::function<void()> on_ring) {
  auto path = journal_bell_path(journal_file);
  if (!fits(path)) return Error{ErrorCode::kIo, "", "the path " + path.string() + " is too long for a Unix socket"};
  std::unique_ptr<JournalBell> bell(new JournalBell(io, path, std::move(on_ring)));
  // A bell left by a listener that did not end orderly (a killed `run`) is taken over.
  std::error_code stale;
  std::filesystem::remove(path, stale);
  boost::system::error_code error;
  bell->socket_.open(boost::asio::local::datagram_protocol(), error);
  if (!error) bell->socket_.bind(boost::asio::local::datagram_protocol::endpoint(path.string()), error);
  if (!error) bell->socket_.non_blocking(true, error);
  if (error) return Error{ErrorCode::kIo, "", "cannot listen on " + path.string() + ": " + error.message()};
  bell->wait();
  return bell;
}

JournalBell::JournalBell(boost::asio::io_context& io, std::filesystem::path path, std::function<void()> on_ring)
    : socket_(io), path_(std::move(path)), on_ring_(std::move(on_ring)) {}

JournalBell::~JournalBell() {
  if (!socket_.is_open()) return;
  boost::system::error_code closed;
  socket_.close(closed);
  std::error_code removed;
  std::filesystem::remove(path_, removed);
}

void JournalBell::wait() {
  socket_.async_wait(boost::asio::socket_base::wait_read, [this](const boost::system::error_code& error) {
    if (error) return;  // closed
    // Every ring queued so far is answered by the one call below.
    boost::system::error_code drained;
    while (!drained) socket_.receive(boost::asio::buffer(buffer_), 0, drained);
    on_ring_();
    wait();
  });
}

}  // namespace recount::agent
