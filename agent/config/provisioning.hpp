// Where `recount-agent run` learns its site, device, broker link and hub key, so that a unit can
// provision a device on its first start: the command line, a credentials directory (systemd's
// LoadCredential=, $CREDENTIALS_DIRECTORY) holding the hub's device bundle, and the environment.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "agent/config/link_settings.hpp"
#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::agent {

// The credential names read from $CREDENTIALS_DIRECTORY, each optional:
//   recount-device-bundle  the bundle of `recountctl device provision` (shared/protocol/device_bundle.hpp):
//                          site, device, broker URI, CA, user name, password, hub key;
//   recount-mqtt-cert      a client certificate (PEM) for a certificate listener;
//   recount-mqtt-key       its private key (PEM).
inline constexpr const char* kBundleCredential = "recount-device-bundle";
inline constexpr const char* kCertCredential = "recount-mqtt-cert";
inline constexpr const char* kKeyCredential = "recount-mqtt-key";

// The environment as provisioning sees it (a lookup, so tests pass their own): nullopt or an
// empty value both mean unset.
using Environment = std::function<std::optional<std::string>(const char* name)>;
Environment process_environment();

// What one source says, and in the end what the sources say together. Members not given are empty.
struct Provisioning {
  std::optional<std::string> site;
  std::optional<std::string> device;
  std::string identity_origin;  // the source of site and device ("--site/--device", a credential, RECOUNT_SITE/...)
  LinkChanges link;
  std::optional<std::filesystem::path> hub_key_file;  // a PEM file: --hub-key or RECOUNT_HUB_KEY
  std::optional<crypto::PublicKey> hub_key;           // the bundle's, used when no file is given
  std::string hub_key_origin;
};

// Merges `flags` (the command line) with the credentials directory and the environment, member
// by member: flags > credentials > environment. The merged link is applied at every start
// (update_link), so what the unit provides stays the truth and a replaced credential takes effect
// at the next start; site and device create the journal on first start and must match it later.
//
// Environment: RECOUNT_SITE, RECOUNT_DEVICE, RECOUNT_BROKER, RECOUNT_MQTT_USERNAME,
// RECOUNT_MQTT_PASSWORD_FILE, RECOUNT_MQTT_CA, RECOUNT_MQTT_CERT, RECOUNT_MQTT_KEY (files) and
// RECOUNT_HUB_KEY (the hub's public key, a PEM file); CREDENTIALS_DIRECTORY.
//
// Blocks on file I/O. Errors (kInvalidInput, the field naming the credential or variable):
//   a credential, password or key file readable by every user (mode o+r): refused, not read;
//   a file that cannot be read or is empty; a bundle decode_bundle refuses; a hub key that is
//   not an Ed25519 public key; a site or device that is not an identifier.
Result<Provisioning> resolve_provisioning(const Provisioning& flags, const Environment& environment);

}  // namespace recount::agent
