// Retention: the daemon's periodic prune of acked events.
#include "agent/daemon/retention.hpp"

#include <ostream>

namespace recount::agent {

Retention::Retention(boost::asio::io_context& io, Journal& journal, RetentionOptions options, std::ostream& err)
    : journal_(journal), options_(options), err_(err), timer_(io) {}

void Retention::start() { prune(); }

void Retention::stop() {
  stopped_ = true;
  timer_.cancel();
}

void Retention::prune() {
  const auto keep_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.keep).count();
  if (auto pruned = journal_.prune_acked_before(journal_.wall_now() - keep_ms); !pruned) {
    err_ << "recount-agent: retention: " << pruned.error().describe() << '\n';
  }
  timer_.expires_after(options_.every);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && !stopped_) prune();
  });
}

}  // namespace recount::agent
