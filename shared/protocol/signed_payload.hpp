// Signed messages (docs/protocol.md): what the hub tells devices, and its audit checkpoints, carry
// the hub's Ed25519 signature, so a device behind a misconfigured broker, or an auditor holding a
// copy, can tell the hub's words from anyone else's.
//
// A signed payload is a JSON object whose last member is "sig", the base64 signature of the same
// text with that member taken out: of everything before `,"sig":` followed by the closing `}`.
// Signing the bytes as sent needs no canonical form of JSON, and the text stays JSON.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::protocol {

// `object` with the "sig" member appended. `object` must be a JSON object with at least one member,
// ending in '}' (as the codec's encoders write them); anything else is a programming error.
std::string sign_payload(std::string_view object, const crypto::SigningKey& key);

// The signed text of `payload` (without its "sig" member), when `key` signed it. Errors
// (kInvalidInput, field "sig"): the payload carries no signature in the form above, or it does not
// verify with `key` (the message names the key's fingerprint).
Result<std::string> verified_payload(std::string_view payload, const crypto::PublicKey& key);

// A signed record of the hub (an audit checkpoint, a record of published versions): a JSON object
// `{"kind":…,"v":…,…}` as above. Its members when `key` signed it and it is of `kind` and
// `version`. Errors (kInvalidInput): those of verified_payload; field "kind" when the signed text
// is not an object of `kind` (the message calls it not `what`, e.g. "an audit checkpoint"); field
// "v" when its version is not `version`.
Result<nlohmann::json> verified_record(std::string_view payload, const crypto::PublicKey& key, std::string_view kind,
                                       int version, std::string_view what);

}  // namespace recount::protocol
