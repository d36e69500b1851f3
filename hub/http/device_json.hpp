// A device as the API shows it: one writer for GET /api/v1/stats devices[] and the live feed's
// `device` event, and what of it the console shows, so the feed sends a device only when that changed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/ledger/event_store.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {

// The device's sync state (docs/api.md "GET /api/v1/stats"): events of all its epochs, the cursor
// of its current epoch (the one it started last, which its agent is syncing now), its dead
// letters, conflicts and clock flags, its last status message and each epoch's cursor.
void write_device(protocol::JsonWriter& out, const DeviceSummary& device);

// write_device's object as JSON text.
std::string device_json(const DeviceSummary& device);

// "online" or "offline" as the device's last status message said; "unknown" before it sent one.
const char* device_state(const DeviceSummary& device);

// Which devices changed in what an operator sees of them: state, backlog, clock skew, dead
// letters, conflicts, clock flags and epoch. Not the last seen time, which moves with every
// message, nor the event counts, which move with every batch: sending a device for those would
// send every device with every commit. Not thread-safe.
class DeviceChanges {
 public:
  // Of `devices`, those named in `touched` (device ids) whose shown state differs from the one
  // this object last returned for them, or that it never returned; remembers what it returns.
  // The pointers point into `devices`.
  std::vector<const DeviceSummary*> changed(const std::vector<DeviceSummary>& devices,
                                            const std::vector<std::string>& touched);

 private:
  struct Shown {
    std::string state;
    std::optional<std::uint64_t> backlog;
    std::optional<std::int64_t> skew_ms;
    std::uint64_t dead_letters = 0;
    std::uint64_t dead_letter_overflow = 0;
    std::uint64_t conflicts = 0;
    std::uint64_t clock_flagged = 0;
    std::string epoch;
    bool operator==(const Shown&) const = default;
  };
  static Shown shown(const DeviceSummary& device);

  std::map<std::string, Shown> last_;  // by device id
};

}  // namespace recount::hub
