// Ed25519 against RFC 8032's first test vector, key files, and signatures that must not verify.
#include "shared/crypto/ed25519.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/support/process.hpp"
#include "tests/support/rfc8032_key.hpp"

namespace recount::crypto {

using testing::kRfcKeyPem;
using testing::kRfcPublic;
using testing::kRfcSignature;

TEST_CASE("a key loaded from PEM signs as RFC 8032 says and its public key is the published one") {
  testing::TempDir dir;
  std::ofstream(dir / "rfc.key") << kRfcKeyPem;
  auto loaded = SigningKey::load(dir / "rfc.key");
  auto read = SigningKey::from_pem(kRfcKeyPem);
  REQUIRE(loaded);
  REQUIRE(read);
  for (const SigningKey* key : {&*loaded, &*read}) {
    CHECK(key->public_key().base64() == kRfcPublic);
    CHECK(key->sign("") == kRfcSignature);
    CHECK(verify(key->public_key(), "", kRfcSignature));
  }
  auto junk = SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().code == ErrorCode::kCorrupt);
}

TEST_CASE("a signature whose text is changed in bits base64 does not use does not verify") {
  // The signature's last digit before "==" carries four unused bits: a text that sets them would
  // decode to the same 64 bytes, a second form of one signature.
  std::string changed = kRfcSignature;
  REQUIRE(changed.ends_with("Cw=="));
  changed[changed.size() - 3] = 'x';  // 'w' is 110000, 'x' is 110001
  const auto key = PublicKey::from_base64(kRfcPublic);
  REQUIRE(key);
  CHECK(verify(*key, "", kRfcSignature));
  CHECK_FALSE(verify(*key, "", changed));
}

TEST_CASE("a signature does not verify for another message, another key or after any change") {
  const SigningKey key = SigningKey::generate();
  const std::string signature = key.sign("catalog version 7");
  CHECK(verify(key.public_key(), "catalog version 7", signature));
  CHECK_FALSE(verify(key.public_key(), "catalog version 8", signature));
  CHECK_FALSE(verify(SigningKey::generate().public_key(), "catalog version 7", signature));
  std::string flipped = signature;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify(key.public_key(), "catalog version 7", flipped));
  CHECK_FALSE(verify(key.public_key(), "catalog version 7", ""));
  CHECK_FALSE(verify(key.public_key(), "catalog version 7", "not base64!"));
  CHECK_FALSE(verify(key.public_key(), "catalog version 7", signature.substr(0, 40)));
}

TEST_CASE("load_or_create makes a key once, private to its owner, and loads the same key afterwards") {
  testing::TempDir dir;
  auto first = SigningKey::load_or_create(dir / "hub-signing.key");
  REQUIRE(first);
  struct stat info {};
  REQUIRE(::stat((dir / "hub-signing.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto again = SigningKey::load_or_create(dir / "hub-signing.key");
  REQUIRE(again);
  CHECK(again->public_key() == first->public_key());
  // Nothing but the key is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a public key survives PEM and base64 and has a short fingerprint") {
  const SigningKey key = SigningKey::generate();
  auto from_pem = PublicKey::from_pem(key.public_key().pem());
  REQUIRE(from_pem);
  CHECK(*from_pem == key.public_key());
  auto from_base64 = PublicKey::from_base64(key.public_key().base64());
  REQUIRE(from_base64);
  CHECK(*from_base64 == key.public_key());
  CHECK(key.public_key().fingerprint().size() == 16);
}

TEST_CASE("files and texts that hold no Ed25519 key are refused with the file named") {
  testing::TempDir dir;
  std::ofstream(dir / "junk.key") << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto junk = SigningKey::load(dir / "junk.key");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().code == ErrorCode::kCorrupt);
  CHECK(junk.error().message.find("junk.key") != std::string::npos);
  auto missing = SigningKey::load(dir / "missing.key");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK_FALSE(PublicKey::from_base64("AAAA"));
  CHECK_FALSE(PublicKey::from_pem(kRfcKeyPem));  // a private key is not a public key
  CHECK_FALSE(PublicKey::load(dir / "junk.key"));
}

}  // namespace recount::crypto
