// PBKDF2 (libcrypto, through shared/crypto, the one adapter over OpenSSL): the key derivation of
// Mosquitto's password file ("$7$" entries, PBKDF2-HMAC-SHA512).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace recount::crypto {

// PBKDF2-HMAC-SHA512 of `password` and `salt` with `iterations` rounds: `length` raw bytes.
// Thread-safe; aborts if libcrypto fails to run it (an invariant of a working system).
std::string pbkdf2_sha512(std::string_view password, std::string_view salt, int iterations, std::size_t length);

}  // namespace recount::crypto
