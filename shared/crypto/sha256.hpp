// SHA-256 (libcrypto, through shared/crypto, the one adapter over OpenSSL): the hub's audit log
// chains its entries with it and hashes the contents of the events each entry records; its webhooks
// are signed with HMAC-SHA256.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace recount {

// The SHA-256 digest of `bytes` as 64 lowercase hex digits. Thread-safe; never fails (an
// OpenSSL failure to run a built-in digest is an invariant violation and aborts).
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 (RFC 2104) of `message` under `key`, as 64 lowercase hex digits: how the hub signs
// the webhooks it sends (hub/delivery/webhook.hpp), so a receiver that holds the key knows the
// body came from the hub unchanged. Thread-safe; never fails (as sha256_hex).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// SHA-256 over bytes fed in pieces, for contents too large or too scattered to concatenate
// first. Movable, not copyable; not thread-safe. Never fails (as sha256_hex).
class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  void update(std::string_view bytes);
  // A hasher fed what this one was fed so far: texts that share a long start hash it once (the
  // copies of a catalog chunk, shared/protocol/catalog_chunks.hpp).
  Sha256 fork() const;
  // The digest of everything fed since construction or the last hex(), as 64 lowercase hex
  // digits; starts over afterwards.
  std::string hex();

 private:
  struct Context;  // OpenSSL's EVP_MD_CTX
  std::unique_ptr<Context> context_;
};

}  // namespace recount
