// PIN hashes.
#include "shared/crypto/pin_hash.hpp"

#include <doctest/doctest.h>

#include "shared/crypto/random.hpp"

namespace recount::crypto {

TEST_CASE("a PIN hash verifies its own PIN only and never holds the PIN in clear") {
  const std::string stored = hash_pin("4711");
  CHECK(stored.starts_with("pbkdf2-sha256$" + std::to_string(kPinIterations) + "$"));
  CHECK(stored.find("4711") == std::string::npos);
  REQUIRE(check_pin_hash("pin_hash", stored));
  CHECK(verify_pin("4711", stored).value() == PinMatch::kMatch);
  CHECK(verify_pin("4712", stored).value() == PinMatch::kMismatch);
  CHECK(verify_pin("", stored).value() == PinMatch::kMismatch);
  CHECK(verify_pin("47110", stored).value() == PinMatch::kMismatch);
}

TEST_CASE("the same PIN hashes differently each time (a per-user salt)") {
  const std::string first = hash_pin("1234");
  const std::string second = hash_pin("1234");
  CHECK(first != second);
  CHECK(verify_pin("1234", first).value() == PinMatch::kMatch);
  CHECK(verify_pin("1234", second).value() == PinMatch::kMatch);
}

TEST_CASE("a stored hash is PBKDF2-HMAC-SHA256 as other implementations compute it") {
  // Made by Python's hashlib.pbkdf2_hmac("sha256", b"1234", bytes(range(16)), 10000, 32).
  const std::string stored =
      "pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw==$keoFm64DM6KWn8jM18d4Ud2kP1rblrruokamJM30iew=";
  CHECK(verify_pin("1234", stored).value() == PinMatch::kMatch);
  CHECK(verify_pin("1235", stored).value() == PinMatch::kMismatch);
}

TEST_CASE("malformed or out-of-range PIN hashes are refused, naming the field") {
  const std::string good = hash_pin("1234");
  const auto salt_and_key = good.substr(good.find('$', good.find('$') + 1));
  for (const std::string& bad :
       {std::string(""), std::string("1234"), "pbkdf2-sha1$20000" + salt_and_key,
        "pbkdf2-sha256$" + std::to_string(kMinPinIterations - 1) + salt_and_key,
        "pbkdf2-sha256$" + std::to_string(kMaxPinIterations + 1) + salt_and_key, "pbkdf2-sha256$2e4" + salt_and_key,
        "pbkdf2-sha256$-1" + salt_and_key, "pbkdf2-sha256$20000$AAAA$" + base64_encode(std::string(32, 'k')),
        good + "$extra", std::string("pbkdf2-sha256$20000$not base64$x")}) {
    CAPTURE(bad);
    auto checked = check_pin_hash("users[0].pin_hash", bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().field == "users[0].pin_hash");
    CHECK_FALSE(verify_pin("1234", bad));
  }
  // The bounds themselves are accepted.
  for (const auto iterations : {kMinPinIterations, kMaxPinIterations}) {
    CHECK(verify_pin("1234", hash_pin("1234", iterations)).value() == PinMatch::kMatch);
  }
}

}  // namespace recount::crypto
