// Signing, reading and comparing audit checkpoints.
#include "hub/audit/checkpoint.hpp"

#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "shared/protocol/signed_payload.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kKind = "recount.audit.checkpoint";
constexpr int kVersion = 1;

}  // namespace

std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::SigningKey& key) {
  // Member order as written here (ordered_json), so the signed text is the documented one.
  const nlohmann::ordered_json object = {{"kind", kKind},
                                         {"v", kVersion},
                                         {"entry_id", checkpoint.entry_id},
                                         {"head_hash", checkpoint.head_hash},
                                         {"at_ms", checkpoint.at_ms},
                                         {"hub_key", checkpoint.hub_key}};
  return protocol::sign_payload(object.dump(), key);
}

Result<Checkpoint> read_checkpoint(std::string_view text, const crypto::PublicKey& key) {
  auto record = protocol::verified_record(text, key, kKind, kVersion, "an audit checkpoint");
  if (!record) return record.error();
  const Json& object = *record;
  Checkpoint checkpoint;
  const Json entry_id = object.value("entry_id", Json());
  if (!entry_id.is_number_unsigned() || entry_id.get<std::int64_t>() < 1) {
    return invalid("entry_id", "must be an entry id (a positive integer)");
  }
  checkpoint.entry_id = entry_id.get<std::int64_t>();
  const Json head_hash = object.value("head_hash", Json());
  if (!head_hash.is_string() || head_hash.get<std::string>().size() != 64) {
    return invalid("head_hash", "must be 64 hex digits");
  }
  checkpoint.head_hash = head_hash.get<std::string>();
  const Json at_ms = object.value("at_ms", Json());
  // An unsigned value beyond int64 is also is_number_integer(); get<std::int64_t> would wrap it.
  if (!at_ms.is_number_integer() ||
      (at_ms.is_number_unsigned() && at_ms.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max())) {
    return invalid("at_ms", "must be an integer (ms since the epoch)");
  }
  checkpoint.at_ms = at_ms.get<std::int64_t>();
  const Json hub_key = object.value("hub_key", Json());
  if (!hub_key.is_string() || hub_key.get<std::string>() != key.fingerprint()) {
    return invalid("hub_key", "does not name the key that signed it (" + key.fingerprint() + ")");
  }
  checkpoint.hub_key = hub_key.get<std::string>();
  return checkpoint;
}

CheckpointComparison compare_with_checkpoint(const Checkpoint& checkpoint, std::uint64_t intact_entries,
                                             const std::optional<std::string>& hash_at_checkpoint) {
  const std::string signed_at = "the checkpoint signed at entry " + std::to_string(checkpoint.entry_id);
  if (!hash_at_checkpoint) {
    const auto first_missing = static_cast<std::int64_t>(intact_entries) + 1;
    return {first_missing, "the chain ends at entry " + std::to_string(intact_entries) + " but " + signed_at +
                               " covers it: entries " + std::to_string(first_missing) + " to " +
                               std::to_string(checkpoint.entry_id) + " were removed (a truncated tail)"};
  }
  if (*hash_at_checkpoint != checkpoint.head_hash) {
    return {checkpoint.entry_id,
            "its hash differs from " + signed_at + ": the chain up to it was rewritten and its hashes recomputed"};
  }
  return {};
}

}  // namespace recount::hub
