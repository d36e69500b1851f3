// The provisioning bundle: everything a device needs to join, made by `recountctl device
// provision` and read by `recount-agent provision` (docs/deployment-broker.md).
#pragma once

#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::protocol {

struct DeviceBundle {
  std::string site;
  std::string device;
  std::string broker;    // mqtts://HOST:PORT
  std::string ca_pem;    // CA certificates for the broker; empty: the device's system trust store
  std::string username;  // the device's broker user name (SITE.DEVICE)
  std::string password;
  std::string hub_key_pem;  // the hub's public signing key
};

// The broker user name of a device: SITE.DEVICE. Site and device ids never hold '.', so the name
// is unambiguous, and it cannot be the hub's ("recount-hub").
std::string device_username(std::string_view site, std::string_view device);

// A JSON object {"v":1,"kind":"recount-device-bundle",...} (one member per field).
std::string encode_bundle(const DeviceBundle& bundle);

// Errors (kInvalidInput, naming the field): not that JSON object, a missing or non-string field,
// a site or device that is not an identifier, an empty broker, user name, password or hub key.
Result<DeviceBundle> decode_bundle(std::string_view text);

}  // namespace recount::protocol
