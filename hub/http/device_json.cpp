// The device writer and the change filter of the live feed's device events.
#include "hub/http/device_json.hpp"

#include <algorithm>
#include <utility>

#include "hub/http/json_text.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::hub {
namespace {

using protocol::JsonWriter;

void write_cursor(JsonWriter& out, const EpochSummary& epoch) {
  out.begin_object();
  out.field("epoch", epoch.epoch);
  out.field("events", epoch.cursor.events);
  out.field("acked_through", epoch.cursor.acked_through);
  out.field("first_seen_ms", epoch.first_seen_ms);
  out.field("last_seen_ms", epoch.last_seen_ms);
  out.end_object();
}

// The last status message in its wire form (docs/protocol.md §8), with when the hub got it.
void write_status(JsonWriter& out, const std::optional<StatusRecord>& record) {
  if (!record) {
    out.null();
    return;
  }
  out.begin_object();
  write_members_of(out, protocol::encode(record->status), {"v", "device"});
  out.field("received_ms", record->received_ms);
  out.end_object();
}

}  // namespace

void write_device(JsonWriter& out, const DeviceSummary& device) {
  std::uint64_t events = 0;
  for (const EpochSummary& epoch : device.epochs) events += epoch.cursor.events;
  const EpochSummary current = device.epochs.empty() ? EpochSummary{} : device.epochs.back();
  out.begin_object();
  out.field("site", device.site);
  out.field("device", device.device);
  out.field("epoch", current.epoch);
  out.field("events", events);
  out.field("acked_through", current.cursor.acked_through);
  out.field("dead_letters", device.dead_letters);
  out.field("dead_letter_overflow", device.dead_letter_overflow);
  out.field("conflicts", device.conflicts);
  out.field("clock_flagged", device.clock_flagged);
  out.field("last_seen_ms", device.last_seen_ms);
  out.key("status");
  write_status(out, device.status);
  out.key("epochs");
  out.begin_array();
  for (const EpochSummary& epoch : device.epochs) write_cursor(out, epoch);
  out.end_array();
  out.end_object();
}

std::string device_json(const DeviceSummary& device) {
  JsonWriter out;
  write_device(out, device);
  return std::move(out).finish();
}

const char* device_state(const DeviceSummary& device) {
  if (!device.status) return "unknown";
  return device.status->status.state == protocol::DeviceState::kOnline ? "online" : "offline";
}

DeviceChanges::Shown DeviceChanges::shown(const DeviceSummary& device) {
  Shown shown{device_state(device),
              std::nullopt,
              std::nullopt,
              device.dead_letters,
              device.dead_letter_overflow,
              device.conflicts,
              device.clock_flagged,
              device.epochs.empty() ? "" : device.epochs.back().epoch};
  if (device.status) {
    shown.backlog = device.status->status.backlog;
    shown.skew_ms = device.status->status.skew_ms;
  }
  return shown;
}

std::vector<const DeviceSummary*> DeviceChanges::changed(const std::vector<DeviceSummary>& devices,
                                                         const std::vector<std::string>& touched) {
  std::vector<const DeviceSummary*> changed;
  for (const DeviceSummary& device : devices) {
    if (std::find(touched.begin(), touched.end(), device.device) == touched.end()) continue;
    Shown now = shown(device);
    const auto last = last_.find(device.device);
    if (last != last_.end() && last->second == now) continue;
    last_.insert_or_assign(device.device, std::move(now));
    changed.push_back(&device);
  }
  return changed;
}

}  // namespace recount::hub
