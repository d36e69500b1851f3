// Retention on the device: acked events stay in the journal for a while, for operators and
// `recount-agent journal`, then go; nothing the hub has not acked is ever deleted.
#pragma once

#include <chrono>
#include <iosfwd>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/journal/journal.hpp"

namespace recount::agent {

struct RetentionOptions {
  std::chrono::days keep{30};                              // acked events older than this go
  std::chrono::milliseconds every{std::chrono::hours(1)};  // how often the journal is pruned
};

// Runs on one io_context thread; not thread-safe. The journal and `err` must outlive it.
// "Older" is measured by the journal's wall clock against each event's wall time
// (Journal::prune_acked_before). A prune that fails is reported on `err` and tried again at the
// next tick; it never stops the agent.
class Retention {
 public:
  Retention(boost::asio::io_context& io, Journal& journal, RetentionOptions options, std::ostream& err);
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Prunes at once (blocking on the journal), then every options.every until stop().
  void start();
  // Cancels the next prune; none runs after this returns.
  void stop();

 private:
  void prune();

  Journal& journal_;
  RetentionOptions options_;
  std::ostream& err_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace recount::agent
