// The journal's doorbell. Events are recorded by other processes than `recount-agent run` (the
// scan UI, `record`), and `run` used to find them only at its next poll of the journal, every
// 100 ms: about 50 ms of every scan's way to the hub (docs/performance.md). Now a process that
// committed events rings the journal's bell and a listening sync sends them at once.
//
// A ring carries nothing: the listener reads the journal as it would on a poll, so a lost ring
// (no listener, a full socket buffer) costs latency, never an event; the poll stays as the
// fallback. The bell is a Unix datagram socket beside the journal file (DIR/journal.bell).
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include "shared/core/result.hpp"

namespace recount::agent {

// The bell of the journal at `journal_file` (DIR/journal.db): DIR/journal.bell.
std::filesystem::path journal_bell_path(const std::filesystem::path& journal_file);

// Rings the bell of the journal at `journal_file`: one empty datagram, sent without blocking.
// Never fails: when no one listens there is no one to wake.
void ring_journal_bell(const std::filesystem::path& journal_file);

// Listens on the bell of the journal at `journal_file` and calls `on_ring` on `io` after a ring;
// rings that arrive before the call are folded into it. One listener per journal: a new one
// takes the bell over. Runs on `io`, which must have one thread; not thread-safe. Destroy it
// before `io`; it removes the socket file.
class JournalBell {
 public:
  // Errors: kIo when the socket cannot be made or bound (a path too long for a Unix socket, a
  // read-only directory); the caller then finds new events by polling alone.
  static Result<std::unique_ptr<JournalBell>> listen(boost::asio::io_context& io,
                                                     const std::filesystem::path& journal_file,
                                                     std::function<void()> on_ring);
  JournalBell(const JournalBell&) = delete;
  JournalBell& operator=(const JournalBell&) = delete;
  ~JournalBell();

 private:
  JournalBell(boost::asio::io_context& io, std::filesystem::path path, std::function<void()> on_ring);
  void wait();

  boost::asio::local::datagram_protocol::socket socket_;
  std::filesystem::path path_;
  std::function<void()> on_ring_;
  std::array<char, 16> buffer_{};
};

}  // namespace recount::agent
