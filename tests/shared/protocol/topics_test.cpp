// Topic names of the sync protocol and the hub's parsing of the device topics it subscribes to.
#include "shared/protocol/topics.hpp"

#include <doctest/doctest.h>

#include <string>

namespace recount::protocol {

TEST_CASE("device topics follow recount/v1/site/device/channel") {
  CHECK(device_topic("store-0042", "hh-17", DeviceChannel::kEvents) == "recount/v1/store-0042/hh-17/events");
  CHECK(device_topic("store-0042", "hh-17", DeviceChannel::kHello) == "recount/v1/store-0042/hh-17/hello");
  CHECK(device_topic("store-0042", "hh-17", DeviceChannel::kAck) == "recount/v1/store-0042/hh-17/ack");
  CHECK(device_topic("store-0042", "hh-17", DeviceChannel::kNack) == "recount/v1/store-0042/hh-17/nack");
  CHECK(device_topic("store-0042", "hh-17", DeviceChannel::kStatus) == "recount/v1/store-0042/hh-17/status");
}

TEST_CASE("site topics carry tasks and the catalog") {
  CHECK(tasks_topic("store-0042") == "recount/v1/store-0042/tasks");
  CHECK(catalog_topic("store-0042") == "recount/v1/store-0042/catalog");
}

TEST_CASE("every device topic parses back into its site device and channel") {
  for (const DeviceChannel channel : {DeviceChannel::kEvents, DeviceChannel::kHello, DeviceChannel::kAck,
                                      DeviceChannel::kNack, DeviceChannel::kStatus}) {
    const auto parsed = parse_device_topic(device_topic("store_1", "HH-17", channel));
    REQUIRE(parsed);
    CHECK(parsed->site == "store_1");
    CHECK(parsed->device == "HH-17");
    CHECK(parsed->channel == channel);
  }
}

TEST_CASE("topics outside the device layout do not parse") {
  for (const char* topic :
       {"recount/v1/store-0042/tasks", "recount/v1/store-0042/catalog", "recount/v2/store-0042/hh-17/events",
        "recount/v1/store-0042/hh-17/events/extra", "recount/v1/store-0042/hh-17/", "recount/v1/store-0042//events",
        "recount/v1//hh-17/events", "recount/v1/store-0042/hh-17/Events", "recount/v1/store-0042/hh-17/tasks",
        "/recount/v1/store-0042/hh-17/events", "", "recount/v1/"}) {
    CAPTURE(topic);
    CHECK_FALSE(parse_device_topic(topic));
  }
}

TEST_CASE("topics whose ids are not identifiers do not parse") {
  CHECK_FALSE(parse_device_topic("recount/v1/+/hh-17/events"));
  CHECK_FALSE(parse_device_topic("recount/v1/store-0042/#/events"));
  CHECK_FALSE(parse_device_topic("recount/v1/store 42/hh-17/events"));
  CHECK_FALSE(parse_device_topic("recount/v1/store-0042/" + std::string(65, 'd') + "/events"));
  CHECK(parse_device_topic("recount/v1/store-0042/" + std::string(64, 'd') + "/events"));
}

TEST_CASE("the hub's subscription filters are the device topics with wildcard ids") {
  CHECK(kAllEventsFilter == device_topic("+", "+", DeviceChannel::kEvents));
  CHECK(kAllHellosFilter == device_topic("+", "+", DeviceChannel::kHello));
  CHECK(kAllStatusFilter == device_topic("+", "+", DeviceChannel::kStatus));
}

}  // namespace recount::protocol
