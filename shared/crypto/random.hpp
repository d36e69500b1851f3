// Secrets from the operating system's random source (libcrypto's RAND_bytes, through shared/crypto):
// API tokens, broker passwords, salts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::crypto {

// `count` random bytes. Aborts if the random source fails (an invariant of a working system).
std::vector<std::uint8_t> random_bytes(std::size_t count);

// `bytes` random bytes as unpadded base64url (letters, digits, '-', '_'): safe in a URL, a header,
// a shell argument and a Mosquitto password file.
std::string random_token(std::size_t bytes);

// Standard base64 with padding, and back. Errors: kInvalidInput naming `field` when `text` is not
// base64 as base64_encode writes it (padded, no white space, unused bits zero).
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view field, std::string_view text);

}  // namespace recount::crypto
