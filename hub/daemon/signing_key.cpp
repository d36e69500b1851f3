// The hub's signing key.
#include "hub/daemon/signing_key.hpp"

namespace recount::hub {

Result<crypto::SigningKey> load_signing_key(const std::filesystem::path& data_dir) {
  return crypto::SigningKey::load_or_create(data_dir / kSigningKeyFile);
}

}  // namespace recount::hub
