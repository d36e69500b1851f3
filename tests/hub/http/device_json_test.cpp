// The device writer shared by GET /api/v1/stats and the live feed, and the filter that sends a
// device on the feed only when what is shown of it changed.
#include "hub/http/device_json.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace recount::hub {
namespace {

DeviceSummary device_with(protocol::DeviceState state, std::uint64_t backlog) {
  DeviceSummary device;
  device.site = "site-1";
  device.device = "device-1";
  device.last_seen_ms = 1000;
  device.status = StatusRecord{protocol::Status{"device-1", state, backlog, 7, -120, 900}, 1000};
  device.epochs = {EpochSummary{"00000000000000e1", Cursor{7, 7}, 100, 1000}};
  return device;
}

TEST_CASE("a device is written with its status in wire form and each epoch's cursor") {
  const auto json = nlohmann::json::parse(device_json(device_with(protocol::DeviceState::kOnline, 3)));
  CHECK(json["site"] == "site-1");
  CHECK(json["device"] == "device-1");
  CHECK(json["epoch"] == "00000000000000e1");
  CHECK(json["status"]["state"] == "online");
  CHECK(json["status"]["backlog"] == 3);
  CHECK(json["status"]["received_ms"] == 1000);
  CHECK_FALSE(json["status"].contains("device"));
  CHECK(json["epochs"].size() == 1);
}

TEST_CASE("a device's state is online or offline as its last status said, unknown before one") {
  DeviceSummary silent = device_with(protocol::DeviceState::kOnline, 0);
  silent.status.reset();
  CHECK(std::string(device_state(silent)) == "unknown");
  CHECK(std::string(device_state(device_with(protocol::DeviceState::kOnline, 0))) == "online");
  CHECK(std::string(device_state(device_with(protocol::DeviceState::kOffline, 0))) == "offline");
}

TEST_CASE("a device is returned as changed the first time, then only when something shown changed") {
  DeviceChanges changes;
  std::vector<DeviceSummary> devices{device_with(protocol::DeviceState::kOnline, 3)};
  const std::vector<std::string> touched{"device-1"};
  CHECK(changes.changed(devices, touched).size() == 1);
  CHECK(changes.changed(devices, touched).empty());

  // Last seen and event counts move with every message: not a change an operator is shown.
  devices[0].last_seen_ms += 5000;
  devices[0].epochs[0].cursor = Cursor{9, 9};
  CHECK(changes.changed(devices, touched).empty());

  devices[0].status->status.backlog = 0;
  CHECK(changes.changed(devices, touched).size() == 1);
  devices[0].status->status.skew_ms = 40;
  CHECK(changes.changed(devices, touched).size() == 1);
  devices[0].dead_letters = 1;
  CHECK(changes.changed(devices, touched).size() == 1);
  devices[0].status->status.state = protocol::DeviceState::kOffline;
  const auto offline = changes.changed(devices, touched);
  REQUIRE(offline.size() == 1);
  CHECK(offline[0] == &devices[0]);
}

TEST_CASE("only the devices a commit touched are looked at") {
  DeviceChanges changes;
  std::vector<DeviceSummary> devices{device_with(protocol::DeviceState::kOnline, 3),
                                     device_with(protocol::DeviceState::kOnline, 1)};
  devices[1].device = "device-2";
  const auto changed = changes.changed(devices, {"device-2"});
  REQUIRE(changed.size() == 1);
  CHECK(changed[0]->device == "device-2");
  CHECK(changes.changed(devices, {"device-1", "device-2"}).size() == 1);  // device-1, never sent
}

}  // namespace
}  // namespace recount::hub
