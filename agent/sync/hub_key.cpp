// The hub key the device trusts.
#include "agent/sync/hub_key.hpp"

#include <system_error>

#include "shared/storage/atomic_file.hpp"

namespace recount::agent {

Result<std::optional<crypto::PublicKey>> trusted_hub_key(const std::filesystem::path& data_dir,
                                                         const std::optional<std::filesystem::path>& given) {
  if (!given) return trusted_hub_key(data_dir, std::optional<crypto::PublicKey>(), "");
  auto key = crypto::PublicKey::load(*given);
  if (!key) return key.error();
  return trusted_hub_key(data_dir, *key, given->string());
}

Result<std::optional<crypto::PublicKey>> trusted_hub_key(const std::filesystem::path& data_dir,
                                                         const std::optional<crypto::PublicKey>& given,
                                                         const std::string& origin) {
  const auto file = data_dir / kHubKeyFile;
  std::error_code error;
  const bool stored = std::filesystem::exists(file, error);
  if (error) return Error{ErrorCode::kIo, "", "cannot read " + file.string() + ": " + error.message()};
  std::optional<crypto::PublicKey> held;
  if (stored) {
    auto key = crypto::PublicKey::load(file);
    if (!key) return key.error();
    held = *key;
  }
  if (!given) return held;
  if (held && *held != *given) {
    return Error{ErrorCode::kConflict, "hub-key",
                 "this data directory trusts the hub key " + held->fingerprint() + ", not " + given->fingerprint() +
                     " from " + origin + "; to trust another hub, remove " + file.string() + " first"};
  }
  if (!held) {
    if (auto ok = storage::write_file_atomically(file, given->pem(), storage::kWorldReadable); !ok) {
      return ok.error();
    }
  }
  return given;
}

}  // namespace recount::agent
