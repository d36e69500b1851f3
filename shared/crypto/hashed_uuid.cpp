// Hashed UUIDs: SHA-256, then the version and variant bits.
#include "shared/crypto/hashed_uuid.hpp"

#include "shared/crypto/sha256.hpp"

namespace recount {

std::string hashed_uuid(std::string_view identity) {
  std::string hex = sha256_hex(identity).substr(0, 32);
  hex[12] = '8';                                                    // version 8
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];  // the RFC variant: 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

}  // namespace recount
