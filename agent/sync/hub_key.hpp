// The hub's public key on the device (DESIGN §9): the agent applies only the catalogs and task lists
// it signed. Learned when the device is provisioned and kept in the data directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::agent {

inline constexpr const char* kHubKeyFile = "hub-key.pem";

// The hub key `data_dir` trusts. `given` (a PEM file, `run --hub-key`) is stored as
// DIR/hub-key.pem on first use (written to a temporary file and renamed, mode 0644); afterwards it
// may be omitted but must be the stored key. Returns nullopt when neither exists. Blocks on file
// I/O. Errors:
//   kInvalidInput  `given` or the stored file holds no Ed25519 public key (names the file);
//   kConflict      `given` is not the stored key (names both fingerprints and how to re-key);
//   kIo            a file cannot be read or written.
Result<std::optional<crypto::PublicKey>> trusted_hub_key(const std::filesystem::path& data_dir,
                                                         const std::optional<std::filesystem::path>& given);
// The same for a key given as such (a provisioning bundle's); `origin` names where it came from in
// a kConflict message.
Result<std::optional<crypto::PublicKey>> trusted_hub_key(const std::filesystem::path& data_dir,
                                                         const std::optional<crypto::PublicKey>& given,
                                                         const std::string& origin);

}  // namespace recount::agent
