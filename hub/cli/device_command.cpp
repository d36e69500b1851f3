// Device provisioning.
#include "hub/cli/device_command.hpp"

#include "hub/daemon/signing_key.hpp"
#include "hub/provision/broker_files.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/crypto/random.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::hub {
namespace {

constexpr const char* kReload =
    "Reload the broker so that it reads them: systemctl reload mosquitto (or kill -HUP the mosquitto process).\n";

Result<void> check_device(const ProvisionRequest& request) {
  if (auto ok = validate_identifier("--site", request.site); !ok) return ok;
  return validate_identifier("--device", request.device);
}

}  // namespace

CommandOutput device_provision_command(const ProvisionRequest& request) {
  if (auto ok = check_device(request); !ok) return failed(ok.error().describe());
  if (!mqtt::uses_tls(request.broker)) {
    return failed("--broker: '" + request.broker +
                  "' is not an mqtts:// URI; a device's password never travels in clear");
  }
  if (auto ok = mqtt::check_broker(request.broker, {}); !ok) {
    return failed("--broker: " + ok.error().message);
  }
  protocol::DeviceBundle bundle;
  bundle.site = request.site;
  bundle.device = request.device;
  bundle.broker = request.broker;
  bundle.username = protocol::device_username(request.site, request.device);
  bundle.password = crypto::random_token(24);
  if (!request.ca_file.empty()) {
    auto ca = storage::read_whole_file(request.ca_file);
    if (!ca) return failed("--ca: " + ca.error().message);
    bundle.ca_pem = std::move(*ca);
  }
  // The hub makes this key at its first start; whichever of the two comes first, both use it.
  std::error_code error;
  std::filesystem::create_directories(request.hub_data_dir, error);
  if (error) return failed("--data: cannot create " + request.hub_data_dir.string() + ": " + error.message());
  auto key = load_signing_key(request.hub_data_dir);
  if (!key) return failed(key.error().describe());
  bundle.hub_key_pem = key->public_key().pem();

  // The bundle first: if the broker files cannot be edited, a stray bundle holds a password that
  // no broker accepts, whereas the other order could leave a password nobody knows.
  if (auto ok =
          storage::write_file_atomically(request.bundle_file, protocol::encode_bundle(bundle), storage::kOwnerOnly);
      !ok) {
    return failed("--out: " + ok.error().message);
  }
  if (auto ok = set_password(request.password_file, bundle.username, bundle.password); !ok) {
    return failed("--passwords: " + ok.error().message);
  }
  if (auto ok = set_device_acl(request.acl_file, request.site, request.device); !ok) {
    return failed("--acl: " + ok.error().message);
  }
  return CommandOutput{0,
                       "Provisioned device " + request.device + " of site " + request.site + " as broker user " +
                           bundle.username + " (hub key " + key->public_key().fingerprint() + ").\n" +
                           "Bundle: " + request.bundle_file.string() +
                           " (secret: carry it to the device, run `recount-agent provision --data DIR BUNDLE` there, "
                           "then delete it).\nUpdated " +
                           request.password_file.string() + " and " + request.acl_file.string() + ". " + kReload,
                       ""};
}

CommandOutput device_revoke_command(const ProvisionRequest& request) {
  if (auto ok = check_device(request); !ok) return failed(ok.error().describe());
  const auto username = protocol::device_username(request.site, request.device);
  if (auto ok = remove_password(request.password_file, username); !ok) {
    return failed("--passwords: " + ok.error().message);
  }
  if (auto ok = remove_device_acl(request.acl_file, request.site, request.device); !ok) {
    return failed("--acl: " + ok.error().message);
  }
  return CommandOutput{0,
                       "Revoked broker user " + username + ": removed from " + request.password_file.string() +
                           " and " + request.acl_file.string() + ". " + kReload,
                       ""};
}

}  // namespace recount::hub
