// How far each hub sharing a ledger has stored what it received, so that the hub judging counts
// waits for the movements another hub received first and has not stored yet (docs/scale-out.md,
// "Several hubs"). One hub alone needs none of it: its own queue is all there is.
#pragma once

#include <cstdint>
#include <optional>

#include "shared/core/result.hpp"

namespace recount::hub {

// Implemented by cluster::Membership; ingest records through it and reads it. Not thread-safe:
// calls block on the ledger's database, on the thread that uses it.
class ReceiveWatermarks {
 public:
  virtual ~ReceiveWatermarks() = default;
  // In the write open on the ledger's connection, at now_ms: the oldest message this hub has
  // received and not stored yet arrived at oldest_waiting_ms (nullopt: it holds none). Errors:
  // those of the ledger.
  virtual Result<void> record(std::optional<std::int64_t> oldest_waiting_ms, std::int64_t now_ms) = 0;
  // The oldest receive time of a message another hub holds unstored, among the hubs that recorded
  // within the lease's time (a hub that died holding messages is not waited for: their devices
  // send them again); nullopt when none holds any. Errors: those of the ledger.
  virtual Result<std::optional<std::int64_t>> others_oldest_waiting(std::int64_t now_ms) = 0;

 protected:
  ReceiveWatermarks() = default;
  ReceiveWatermarks(const ReceiveWatermarks&) = default;
  ReceiveWatermarks& operator=(const ReceiveWatermarks&) = default;
};

}  // namespace recount::hub
