// MQTT topic names of the sync protocol (DESIGN §5, docs/protocol.md) and their parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace recount::protocol {

enum class DeviceChannel { kEvents, kHello, kAck, kNack, kStatus };

std::string device_topic(std::string_view site, std::string_view device, DeviceChannel channel);
std::string tasks_topic(std::string_view site);
std::string catalog_topic(std::string_view site);
// A chunk of a large catalog (catalog_chunks.hpp): recount/v1/{site}/catalog/{chunk id}, and the
// filter for all of a site's.
std::string catalog_chunk_topic(std::string_view site, std::string_view chunk_id);
std::string catalog_chunks_filter(std::string_view site);

// What the hub subscribes to: every site's and device's uplink channels.
inline constexpr std::string_view kAllEventsFilter = "recount/v1/+/+/events";
inline constexpr std::string_view kAllHellosFilter = "recount/v1/+/+/hello";
inline constexpr std::string_view kAllStatusFilter = "recount/v1/+/+/status";

struct DeviceTopic {
  std::string site;
  std::string device;
  DeviceChannel channel;
};

// Splits "recount/v1/{site}/{device}/{channel}"; nullopt for anything else, including ids that
// are not valid identifiers.
std::optional<DeviceTopic> parse_device_topic(std::string_view topic);

}  // namespace recount::protocol
