// The hub key the device trusts.
#include "agent/sync/hub_key.hpp"

#include <fstream>
#include <system_error>

namespace recount::agent {
namespace {

Result<void> store(const crypto::PublicKey& key, const std::filesystem::path& file) {
  const std::filesystem::path staging = file.string() + ".storing";
  {
    std::ofstream out(staging, std::ios::trunc);
    out << key.pem();
    out.flush();
    if (!out) return Error{ErrorCode::kIo, "", "cannot write " + staging.string()};
  }
  std::error_code error;
  std::filesystem::permissions(staging, std::filesystem::perms(0644), error);
  if (!error) std::filesystem::rename(staging, file, error);
  if (error) return Error{ErrorCode::kIo, "", "cannot store the hub key as " + file.string() + ": " + error.message()};
  return {};
}

}  // namespace

Result<std::optional<crypto::PublicKey>> trusted_hub_key(const std::filesystem::path& data_dir,
                                                         const std::optional<std::filesystem::path>& given) {
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
  auto key = crypto::PublicKey::load(*given);
  if (!key) return key.error();
  if (held && *held != *key) {
    return Error{ErrorCode::kConflict, "hub-key",
                 "this data directory trusts the hub key " + held->fingerprint() + ", not " + key->fingerprint() +
                     " from " + given->string() + "; to trust another hub, remove " + file.string() + " first"};
  }
  if (!held) {
    if (auto ok = store(*key, file); !ok) return ok.error();
  }
  return std::optional<crypto::PublicKey>(*key);
}

}  // namespace recount::agent
