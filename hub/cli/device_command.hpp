// `recountctl --data HUBDIR device provision`: a device's broker credentials, its ACL lines and
// the bundle that carries them (with the hub's public key) to the device; `--revoke` takes the
// credentials and ACL lines away again.
#pragma once

#include <filesystem>
#include <string>

#include "hub/cli/commands.hpp"

namespace recount::hub {

struct ProvisionRequest {
  std::filesystem::path hub_data_dir;  // holds hub-signing.key (made here if the hub has not yet)
  std::string site;
  std::string device;
  std::string broker;                   // mqtts://HOST:PORT as the device will reach it
  std::filesystem::path ca_file;        // the broker's CA (PEM) for the bundle; empty: none
  std::filesystem::path password_file;  // Mosquitto's password_file
  std::filesystem::path acl_file;       // Mosquitto's acl_file
  std::filesystem::path bundle_file;    // written with mode 0600
};

// Makes a random password, puts the device's entry in the password file and its block in the ACL
// file (replacing earlier ones: re-provisioning a device changes its password), and writes the
// bundle. Prints what was done and that the broker must reload (SIGHUP) to see it. Exit 2 when
// an argument is invalid (naming it) or a file cannot be read or written. Blocks on file I/O.
CommandOutput device_provision_command(const ProvisionRequest& request);

// Removes the device's password entry and ACL block (bundle, broker and CA are not needed).
CommandOutput device_revoke_command(const ProvisionRequest& request);

}  // namespace recount::hub
