// SHA-256 (libcrypto, through shared/crypto, the one adapter over OpenSSL): the hub's audit log
// chains its entries with it.
#pragma once

#include <string>
#include <string_view>

namespace recount {

// The SHA-256 digest of `bytes` as 64 lowercase hex digits. Thread-safe; never fails (an
// OpenSSL failure to run a built-in digest is an invariant violation and aborts).
std::string sha256_hex(std::string_view bytes);

}  // namespace recount
