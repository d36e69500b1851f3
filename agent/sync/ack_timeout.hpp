// How long the agent's sync waits for the hub's ack before it resends from its last ack: a
// retransmission timeout in the manner of TCP's (RFC 6298), timed by the hub's round trips and
// doubled at each resend that brought no ack, so a slow hub is not buried under copies.
#pragma once

#include <chrono>
#include <optional>

namespace recount::agent {

struct AckTimeoutLimits {
  std::chrono::milliseconds initial{5000};   // until a round trip is measured
  std::chrono::milliseconds floor{1000};     // the least a measured round trip gives
  std::chrono::milliseconds ceiling{60000};  // the most any doubling gives
};

// Arithmetic only: the caller measures round trips with its clock and says what happened, which
// keeps the policy testable without time passing. Not thread-safe.
//
// The base wait is `initial` until the first round trip is measured, then the smoothed round trip
// plus four times its variation (RFC 6298 §2), at least `floor`. Only batches sent once may be
// measured (Karn's rule): an ack of a resent batch may answer any of its copies. Each resend
// without an ack advancing since doubles the wait, up to `ceiling`; an ack that advances makes it
// the base again.
class AckTimeout {
 public:
  explicit AckTimeout(AckTimeoutLimits limits) : limits_(limits) {}

  // The wait for the next ack, in [min(initial, floor), ceiling].
  std::chrono::milliseconds wait() const;

  // An ack covered a batch sent once, `round_trip` after it left: the base follows it.
  void measured(std::chrono::milliseconds round_trip);
  // An ack advanced acked_through: the wait is the base again.
  void progressed() { resends_ = 0; }
  // wait() passed without an ack advancing, and the sync resent: the next wait is twice as long.
  void resent() { ++resends_; }

 private:
  AckTimeoutLimits limits_;
  std::optional<std::chrono::milliseconds> smoothed_;
  std::chrono::milliseconds variation_{0};
  int resends_ = 0;
};

}  // namespace recount::agent
