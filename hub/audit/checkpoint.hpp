// Audit checkpoints (DESIGN §7, docs/api.md): the hub signs its audit chain's head, so that a copy
// kept outside its database shows a chain that was truncated, or rewritten and rehashed, since.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hub/ledger/audit_log.hpp"
#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::hub {

// Where the hub publishes its checkpoints, retained (outside the per-site namespace recount/v1/).
inline constexpr std::string_view kCheckpointTopic = "recount/hub/v1/checkpoint";

struct Checkpoint {
  std::int64_t entry_id = 0;  // the chain's newest entry when it was signed
  std::string head_hash;      // that entry's hash
  std::int64_t at_ms = 0;     // hub wall time of signing
  std::string hub_key;        // fingerprint of the key that signed it (crypto::PublicKey::fingerprint)
};

// The checkpoint as published: {"kind":"recount.audit.checkpoint","v":1,"entry_id":…,
// "head_hash":…,"at_ms":…,"hub_key":…} signed as shared/protocol/signed_payload.hpp says.
std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::SigningKey& key);

// Reads a signed checkpoint and checks it was signed by `key`. Errors (kInvalidInput, naming the
// field): the signature is missing or not `key`'s, the text is not a checkpoint, a field is
// missing or malformed, or hub_key is not `key`'s fingerprint.
Result<Checkpoint> read_checkpoint(std::string_view text, const crypto::PublicKey& key);

// What a chain shows against a checkpoint it should extend.
struct CheckpointComparison {
  std::optional<std::int64_t> broken_id;  // the first entry found wrong; none: the chain extends it
  std::string problem;                    // why, when broken_id is set
};

// Compares a chain whose first `intact_entries` entries verify with the checkpoint.
// `hash_at_checkpoint` is the hash of the chain's entry checkpoint.entry_id, if it has one. A
// chain shorter than the checkpoint was truncated (the first missing entry is named); a different
// hash at the checkpoint's entry means the chain up to it was rewritten and rehashed (the
// checkpoint's entry is named: the checkpoint tells no more).
CheckpointComparison compare_with_checkpoint(const Checkpoint& checkpoint, std::uint64_t intact_entries,
                                             const std::optional<std::string>& hash_at_checkpoint);

}  // namespace recount::hub
