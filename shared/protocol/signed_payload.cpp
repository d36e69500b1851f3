// Signing and checking payloads.
#include "shared/protocol/signed_payload.hpp"

#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

namespace recount::protocol {
namespace {

constexpr std::string_view kSigMember = ",\"sig\":\"";

}  // namespace

std::string sign_payload(std::string_view object, const crypto::SigningKey& key) {
  if (object.size() < 3 || object.front() != '{' || object.back() != '}') {
    std::cerr << "recount: invariant violated: only a non-empty JSON object can be signed\n";
    std::abort();
  }
  const std::string signature = key.sign(object);
  std::string signed_text(object.substr(0, object.size() - 1));
  signed_text.append(kSigMember).append(signature).append("\"}");
  return signed_text;
}

Result<std::string> verified_payload(std::string_view payload, const crypto::PublicKey& key) {
  const auto at = payload.rfind(kSigMember);
  if (at == std::string_view::npos || !payload.ends_with("\"}")) {
    return invalid("sig", "the message is not signed (no \"sig\" as its last member)");
  }
  const std::string_view signature =
      payload.substr(at + kSigMember.size(), payload.size() - 2 - (at + kSigMember.size()));
  std::string text(payload.substr(0, at));
  text.push_back('}');
  if (!crypto::verify(key, text, signature)) {
    return invalid("sig", "the signature does not verify with the hub key " + key.fingerprint());
  }
  return text;
}

Result<nlohmann::json> verified_record(std::string_view payload, const crypto::PublicKey& key, std::string_view kind,
                                       int version, std::string_view what) {
  auto text = verified_payload(payload, key);
  if (!text) return text.error();
  // The non-throwing parse: a signed text that is not JSON is only "not an object".
  nlohmann::json object = nlohmann::json::parse(*text, nullptr, false);
  if (!object.is_object() || object.value("kind", nlohmann::json()) != kind) {
    return invalid("kind", "is not \"" + std::string(kind) + "\": not " + std::string(what));
  }
  if (object.value("v", nlohmann::json()) != version) return invalid("v", "must be " + std::to_string(version));
  return object;
}

}  // namespace recount::protocol
