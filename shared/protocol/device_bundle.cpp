// Provisioning bundle codec.
#include "shared/protocol/device_bundle.hpp"

#include <nlohmann/json.hpp>

#include "shared/domain/identifiers.hpp"

namespace recount::protocol {
namespace {

constexpr int kBundleVersion = 1;
constexpr const char* kKind = "recount-device-bundle";

// The bundle's members in order, with whether each may be empty.
struct Member {
  const char* name;
  std::string DeviceBundle::*field;
  bool may_be_empty;
};
constexpr Member kMembers[] = {
    {"site", &DeviceBundle::site, false},           {"device", &DeviceBundle::device, false},
    {"broker", &DeviceBundle::broker, false},       {"ca", &DeviceBundle::ca_pem, true},
    {"username", &DeviceBundle::username, false},   {"password", &DeviceBundle::password, false},
    {"hub_key", &DeviceBundle::hub_key_pem, false},
};

}  // namespace

std::string device_username(std::string_view site, std::string_view device) {
  return std::string(site) + "." + std::string(device);
}

std::string encode_bundle(const DeviceBundle& bundle) {
  nlohmann::ordered_json json{{"v", kBundleVersion}, {"kind", kKind}};
  for (const auto& member : kMembers) json[member.name] = bundle.*member.field;
  return json.dump(2) + "\n";
}

Result<DeviceBundle> decode_bundle(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  // json.value("kind", "") would throw on a "kind" that is not a string: look before comparing.
  if (json.is_discarded() || !json.is_object() || !json.contains("kind") || !json["kind"].is_string() ||
      json["kind"] != kKind) {
    return invalid("", "not a recount device bundle (a JSON object with \"kind\": \"recount-device-bundle\")");
  }
  if (!json.contains("v") || json["v"] != kBundleVersion) return invalid("v", "must be 1");
  DeviceBundle bundle;
  for (const auto& member : kMembers) {
    if (!json.contains(member.name) || !json[member.name].is_string()) return invalid(member.name, "must be a string");
    bundle.*member.field = json[member.name].get<std::string>();
    if (!member.may_be_empty && (bundle.*member.field).empty()) return invalid(member.name, "must not be empty");
  }
  if (auto ok = validate_identifier("site", bundle.site); !ok) return ok.error();
  if (auto ok = validate_identifier("device", bundle.device); !ok) return ok.error();
  return bundle;
}

}  // namespace recount::protocol
