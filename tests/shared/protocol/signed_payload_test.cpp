// Signed payloads: what verifies, and every way a forgery or a damaged message does not.
#include "shared/protocol/signed_payload.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

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

TEST_CASE("a signed record reads as its members only when it is of the kind and version asked for") {
  const auto key = crypto::SigningKey::generate();
  auto record = verified_record(sign_payload(R"({"kind":"recount.test","v":2,"n":5})", key), key.public_key(),
                                "recount.test", 2, "a test record");
  REQUIRE(record);
  CHECK((*record)["n"] == 5);
  const std::pair<std::string, std::string> refused[] = {
      {R"({"kind":"recount.other","v":2})", "kind"}, {R"({"v":2})", "kind"},
      {R"({"kind":"recount.test","v":1})", "v"},     {R"({"kind":"recount.test","v":"2"})", "v"},
      {R"({"kind":"recount.test","v":2,})", "kind"},  // not JSON at all
      {R"({"kind":"recount.test","v":2})", "sig"},    // signed, below, by another key
  };
  const auto forger = crypto::SigningKey::generate();
  for (const auto& refusal : refused) {
    const std::string& text = refusal.first;
    const std::string& field = refusal.second;
    CAPTURE(text);
    const bool forged = field == "sig";
    auto read = verified_record(sign_payload(text, forged ? forger : key), key.public_key(), "recount.test", 2,
                                "a test record");
    REQUIRE_FALSE(read);
    CHECK(read.error().field == field);
    if (field == "kind") CHECK(read.error().message == "is not \"recount.test\": not a test record");
  }
}

}  // namespace recount::protocol
