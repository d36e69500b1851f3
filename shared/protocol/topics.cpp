// Topic names.
#include "shared/protocol/topics.hpp"

#include <vector>

#include "shared/domain/identifiers.hpp"

namespace recount::protocol {
namespace {

constexpr std::string_view kPrefix = "recount/v1/";

std::string_view channel_name(DeviceChannel channel) {
  switch (channel) {
    case DeviceChannel::kEvents: return "events";
    case DeviceChannel::kHello: return "hello";
    case DeviceChannel::kAck: return "ack";
    case DeviceChannel::kNack: return "nack";
    case DeviceChannel::kStatus: return "status";
  }
  return "";
}

}  // namespace

std::string device_topic(std::string_view site, std::string_view device, DeviceChannel channel) {
  std::string topic(kPrefix);
  topic.append(site).append("/").append(device).append("/").append(channel_name(channel));
  return topic;
}

std::string tasks_topic(std::string_view site) { return std::string(kPrefix).append(site).append("/tasks"); }
std::string catalog_topic(std::string_view site) { return std::string(kPrefix).append(site).append("/catalog"); }
std::string catalog_chunk_topic(std::string_view site, std::string_view chunk_id) {
  return catalog_topic(site).append("/").append(chunk_id);
}
std::string catalog_chunks_filter(std::string_view site) { return catalog_topic(site).append("/+"); }

std::optional<DeviceTopic> parse_device_topic(std::string_view topic) {
  if (!topic.starts_with(kPrefix)) return std::nullopt;
  topic.remove_prefix(kPrefix.size());
  std::vector<std::string_view> levels;
  while (true) {
    const auto slash = topic.find('/');
    levels.push_back(topic.substr(0, slash));
    if (slash == std::string_view::npos) break;
    topic.remove_prefix(slash + 1);
  }
  if (levels.size() != 3) return std::nullopt;
  if (!validate_identifier("site", levels[0]) || !validate_identifier("device", levels[1])) return std::nullopt;
  for (auto channel : {DeviceChannel::kEvents, DeviceChannel::kHello, DeviceChannel::kAck, DeviceChannel::kNack,
                       DeviceChannel::kStatus}) {
    if (levels[2] == channel_name(channel)) {
      return DeviceTopic{std::string(levels[0]), std::string(levels[1]), channel};
    }
  }
  return std::nullopt;
}

}  // namespace recount::protocol
