// Salted, slow hashes of floor users' PINs (PBKDF2-HMAC-SHA256 over libcrypto, through
// shared/crypto): the hub stores them and the catalog carries them, so no PIN is kept or sent in
// clear. A short PIN stays guessable offline from a stolen copy (docs/catalog.md): the hash only
// makes that cost the iteration count per guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::crypto {

// Iterations for new hashes: a handheld checks one in well under 100 ms (docs/catalog.md).
inline constexpr std::uint32_t kPinIterations = 10'000;
// The range a stored hash may name: below it a hash is too cheap to guess against, above it one
// check could stall a device that was handed a hostile catalog.
inline constexpr std::uint32_t kMinPinIterations = 5'000;
inline constexpr std::uint32_t kMaxPinIterations = 100'000;

// "pbkdf2-sha256$ITERATIONS$SALT$HASH" with a fresh 16-byte random salt and a 32-byte key, both
// in standard base64. Thread-safe; aborts only if OpenSSL cannot run PBKDF2 (an invariant).
std::string hash_pin(std::string_view pin, std::uint32_t iterations = kPinIterations);

// Errors (kInvalidInput naming `field`): not of the form hash_pin() makes, an iteration count
// outside [kMinPinIterations, kMaxPinIterations], a salt or hash of the wrong length.
Result<void> check_pin_hash(std::string_view field, std::string_view stored);

enum class PinMatch { kMatch, kMismatch };

// Whether `pin` is the one `stored` was made from, compared in constant time. Costs the stored
// iteration count. Errors as check_pin_hash (field "pin_hash"). Thread-safe.
Result<PinMatch> verify_pin(std::string_view pin, std::string_view stored);

}  // namespace recount::crypto
