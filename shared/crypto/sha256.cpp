// SHA-256 over OpenSSL's one-shot EVP digest.
#include "shared/crypto/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <iostream>

namespace recount {

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    std::cerr << "recount: invariant violated: OpenSSL could not compute SHA-256\n";
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

}  // namespace recount
