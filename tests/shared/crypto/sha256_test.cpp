// SHA-256 against the FIPS 180-2 test vectors.
#include "shared/crypto/sha256.hpp"

#include <doctest/doctest.h>

#include <string>

namespace recount {

TEST_CASE("sha256 of the empty string is the published digest") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256 of abc is the published digest") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256 of a million a characters is the published digest") {
  CHECK(sha256_hex(std::string(1'000'000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 hashes embedded NUL bytes instead of stopping at them") {
  CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("a"));
}

TEST_CASE("sha256 fed in pieces equals the digest of the pieces joined, and starts over after hex") {
  Sha256 hash;
  hash.update("a");
  hash.update("");
  hash.update("bc");
  CHECK(hash.hex() == sha256_hex("abc"));
  CHECK(hash.hex() == sha256_hex(""));
  hash.update(std::string(1'000'000, 'a'));
  CHECK(hash.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a forked sha256 goes on from what was fed so far, and neither feeds the other") {
  Sha256 start;
  start.update(std::string(100, 's'));  // over one 64-byte block, so that one is behind each fork
  Sha256 one = start.fork();
  Sha256 two = start.fork();
  one.update("-one");
  two.update("-two");
  CHECK(one.hex() == sha256_hex(std::string(100, 's') + "-one"));
  CHECK(two.hex() == sha256_hex(std::string(100, 's') + "-two"));
  CHECK(start.fork().hex() == sha256_hex(std::string(100, 's')));
  CHECK(start.hex() == sha256_hex(std::string(100, 's')));
}

TEST_CASE("hmac-sha256 gives the digests of RFC 4231's test cases, long keys hashed first") {
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(hmac_sha256_hex("key", "body") != hmac_sha256_hex("key2", "body"));
}

}  // namespace recount
