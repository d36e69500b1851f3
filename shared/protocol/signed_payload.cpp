// Signing and checking payloads.
#include "shared/protocol/signed_payload.hpp"

#include <cstdlib>
#include <iostream>

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

}  // namespace recount::protocol
