// Batches of count events as ingest hands them to the ledger, for the benchmarks that fill one
// (ledger_bench, migrate_bench).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "hub/ledger/ledger.hpp"

namespace recount::bench {

inline constexpr std::int64_t kLedgerNowMs = 1'790'000'000'000;

// A batch of `size` count events from seq `first` of device-N (N = `device`, 1..9) at site-1,
// received at kLedgerNowMs, over 20 users, 10,000 locations and 5,000 SKUs.
inline hub::IncomingBatch count_batch(std::uint64_t first, std::size_t size, int device = 1) {
  const std::string digit = std::to_string(device);
  hub::IncomingBatch batch;
  batch.origin = hub::Origin{"site-1", "device-" + digit, "00000000000000e" + digit};
  batch.topic = "recount/v1/site-1/device-" + digit + "/events";
  batch.first_seq = first;
  batch.last_seq = first + size - 1;
  batch.received_ms = kLedgerNowMs;
  for (std::uint64_t seq = first; seq < first + size; ++seq) {
    Event event;
    event.seq = seq;
    event.event_id = "0000000" + digit + "-0000-7000-8000-" + std::string(12 - std::to_string(seq).size(), '0') +
                     std::to_string(seq);
    event.type = EventType::kCount;
    event.wall_ms = kLedgerNowMs - 60'000 + static_cast<std::int64_t>(seq);
    event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
    event.user = "user-" + std::to_string(seq % 20);
    event.location = "L-" + std::to_string(seq % 10'000);
    event.sku = "SKU-" + std::to_string(seq % 5'000);
    event.qty = static_cast<std::int64_t>(seq % 40) + 1;
    event.session = "session-" + std::to_string(seq / 1'000);
    batch.events.push_back(std::move(event));
  }
  return batch;
}

}  // namespace recount::bench
