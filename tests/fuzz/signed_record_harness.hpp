// The checks of signed_record_fuzz, shared with its corpus's regression test in the normal build:
// what a hub reads that a hub signed, arriving from the broker or from an auditor's file. The
// signature's framing (protocol::verified_payload), records of published versions
// (read_published) and audit checkpoints (read_checkpoint).
//
// Input that no key signed stops at the signature, so each input is read twice: as it came, and,
// when it is a JSON object's text, signed with the harness's key, which takes it to the parsers
// behind the signature (what a hub reads of a hub that shares its key). The key is RFC 8032's
// published test key, so the corpus can hold records signed with it and name its fingerprint.
#pragma once

#include <string>
#include <string_view>

#include "hub/audit/checkpoint.hpp"
#include "hub/writes/published_versions.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "tests/support/rfc8032_key.hpp"

namespace recount::fuzz {

inline const crypto::SigningKey& signing_key() {
  static const crypto::SigningKey kKey = crypto::SigningKey::from_pem(testing::kRfcKeyPem).value();
  return kKey;
}

// "" when a refusal is kInvalidInput and names a field and a problem; else what is wrong with it.
inline std::string refusal_problem(const Error& error) {
  if (error.code != ErrorCode::kInvalidInput) return "a refusal that is not kInvalidInput";
  if (error.field.empty() || error.message.empty()) return "a refusal that names no field or no problem";
  return {};
}

// A read record must be signed again into one that reads back the same.
inline std::string published_problem(std::string_view payload, const crypto::PublicKey& key) {
  const auto record = hub::read_published(payload, key);
  if (!record) return refusal_problem(record.error());
  const auto again = hub::read_published(hub::sign_published(record->first, record->second, signing_key()), key);
  if (!again) return "re-reading a record signed again failed: " + again.error().describe();
  if (*again != *record) return "the record signed again reads back another";
  return {};
}

inline std::string checkpoint_problem(std::string_view payload, const crypto::PublicKey& key) {
  const auto checkpoint = hub::read_checkpoint(payload, key);
  if (!checkpoint) return refusal_problem(checkpoint.error());
  const auto again = hub::read_checkpoint(hub::sign_checkpoint(*checkpoint, signing_key()), key);
  if (!again) return "re-reading a checkpoint signed again failed: " + again.error().describe();
  const auto fields = [](const hub::Checkpoint& read) {
    return std::tie(read.entry_id, read.head_hash, read.at_ms, read.hub_key);
  };
  if (fields(*again) != fields(*checkpoint)) return "the checkpoint signed again reads back another";
  return {};
}

// "" when every reader keeps its promises about `input`; else the reader and what broke.
inline std::string signed_record_problem(std::string_view input) {
  const crypto::PublicKey& key = signing_key().public_key();
  // As it came: what verifies must be exactly what the key signs for its text (Ed25519 signs one
  // way, and base64 writes the signature one way), so no payload has a second, altered form.
  if (const auto text = protocol::verified_payload(input, key); !text) {
    if (auto problem = refusal_problem(text.error()); !problem.empty()) return "verified_payload: " + problem;
  } else if (protocol::sign_payload(*text, signing_key()) != input) {
    return "verified_payload: a payload verified that is not the one the key signs for its text";
  }
  if (auto problem = published_problem(input, key); !problem.empty()) return "read_published: " + problem;
  if (auto problem = checkpoint_problem(input, key); !problem.empty()) return "read_checkpoint: " + problem;

  if (input.size() < 3 || input.front() != '{' || input.back() != '}') return {};
  const std::string payload = protocol::sign_payload(input, signing_key());
  const auto text = protocol::verified_payload(payload, key);
  if (!text) return "verified_payload: a payload the key signed did not verify: " + text.error().describe();
  if (*text != input) return "verified_payload: a signed payload verified to another text";
  // One bit of the signed text changed: the signature must no longer verify.
  std::string edited = payload;
  edited[input.size() / 2] = static_cast<char>(edited[input.size() / 2] ^ 0x01);
  if (protocol::verified_payload(edited, key)) return "verified_payload: an edited payload verified";
  if (auto problem = published_problem(payload, key); !problem.empty()) return "read_published (signed): " + problem;
  if (auto problem = checkpoint_problem(payload, key); !problem.empty()) return "read_checkpoint (signed): " + problem;
  return {};
}

}  // namespace recount::fuzz
