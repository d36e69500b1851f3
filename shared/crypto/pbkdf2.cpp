// PBKDF2 through libcrypto.
#include "shared/crypto/pbkdf2.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <iostream>

namespace recount::crypto {

std::string pbkdf2_sha512(std::string_view password, std::string_view salt, int iterations, std::size_t length) {
  std::string key(length, '\0');
  const int ok =
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha512(), static_cast<int>(length), reinterpret_cast<unsigned char*>(key.data()));
  if (ok != 1) {
    std::cerr << "recount: invariant violated: PBKDF2-HMAC-SHA512 failed in libcrypto\n";
    std::abort();
  }
  return key;
}

}  // namespace recount::crypto
