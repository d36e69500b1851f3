// The hub's Ed25519 signing key (DESIGN §9): it signs every catalog and task list the hub publishes,
// and devices provisioned with its public key apply only what it signed.
#pragma once

#include <filesystem>

#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::hub {

inline constexpr const char* kSigningKeyFile = "hub-signing.key";

// DIR/hub-signing.key, made on first use (mode 0600). Safe when the hub and recountctl make it at
// once: both end up with the one placed first (crypto::SigningKey::load_or_create). Blocks on file
// I/O. Errors: kIo when it cannot be read or written, kCorrupt when it holds no Ed25519 key.
Result<crypto::SigningKey> load_signing_key(const std::filesystem::path& data_dir);

}  // namespace recount::hub
