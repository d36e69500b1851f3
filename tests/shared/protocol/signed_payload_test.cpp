// Signed payloads: what verifies, and every way a forgery or a damaged message does not.
#include "shared/protocol/signed_payload.hpp"

#include <doctest/doctest.h>

namespace recount::protocol {

TEST_CASE("a signed payload is still JSON and verifies to the text that was signed") {
  const auto key = crypto::SigningKey::generate();
  const std::string text = R"({"v":1,"site":"S1","version":7})";
  const std::string signed_text = sign_payload(text, key);
  CHECK(signed_text.starts_with(R"({"v":1,"site":"S1","version":7,"sig":")"));
  auto verified = verified_payload(signed_text, key.public_key());
  REQUIRE(verified);
  CHECK(*verified == text);
}

TEST_CASE("unsigned, re-signed by another key, edited or truncated payloads do not verify") {
  const auto hub = crypto::SigningKey::generate();
  const auto forger = crypto::SigningKey::generate();
  const std::string text = R"({"v":1,"site":"S1","version":7})";
  const std::string genuine = sign_payload(text, hub);

  auto unsigned_payload = verified_payload(text, hub.public_key());
  REQUIRE_FALSE(unsigned_payload);
  CHECK(unsigned_payload.error().field == "sig");
  CHECK(unsigned_payload.error().message.find("not signed") != std::string::npos);

  auto forged = verified_payload(sign_payload(R"({"v":1,"site":"S1","version":999})", forger), hub.public_key());
  REQUIRE_FALSE(forged);
  CHECK(forged.error().message.find(hub.public_key().fingerprint()) != std::string::npos);

  std::string edited = genuine;
  edited.replace(edited.find("version\":7"), 10, "version\":8");
  CHECK_FALSE(verified_payload(edited, hub.public_key()));
  CHECK_FALSE(verified_payload(genuine.substr(0, genuine.size() - 1), hub.public_key()));
  CHECK_FALSE(verified_payload(genuine + " ", hub.public_key()));
  CHECK_FALSE(verified_payload("", hub.public_key()));
}

TEST_CASE("a \"sig\" inside a string value does not confuse the check") {
  const auto key = crypto::SigningKey::generate();
  const std::string text = R"({"v":1,"note":",\"sig\":\"AAAA\"}"})";
  auto verified = verified_payload(sign_payload(text, key), key.public_key());
  REQUIRE(verified);
  CHECK(*verified == text);
}

}  // namespace recount::protocol
