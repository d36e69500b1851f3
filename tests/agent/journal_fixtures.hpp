// What the agent's sync, daemon and retention tests put into a journal, and the hub's ack of it.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "agent/journal/journal.hpp"

namespace recount::testing {

// Records `events` counts of SKU-1 at A-01 by alice, with quantities 1, 2, … in seq order.
inline void record_counts(agent::Journal& journal, int events) {
  for (int qty = 1; qty <= events; ++qty) {
    Event event;
    event.type = EventType::kCount;
    event.location = "A-01";
    event.sku = "SKU-1";
    event.qty = qty;
    event.user = "alice";
    REQUIRE(journal.record(event).has_value());
  }
}

// The hub's cumulative ack through `seq` for `epoch` (the journal's own by default), stamped with
// the journal's wall time.
inline protocol::Ack hub_ack(const agent::Journal& journal, std::uint64_t seq, const std::string& epoch = "") {
  return protocol::Ack{.device = journal.identity().device,
                       .epoch = epoch.empty() ? journal.identity().epoch : epoch,
                       .acked_through = seq,
                       .hub_wall_ms = journal.wall_now()};
}

}  // namespace recount::testing
