// SHA-256 over OpenSSL's EVP digests: one-shot and incremental; HMAC-SHA256 over OpenSSL's HMAC.
#include "shared/crypto/sha256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>
#include <iostream>

#include "shared/core/hex.hpp"

namespace recount {
namespace {

[[noreturn]] void digest_failed() {
  std::cerr << "recount: invariant violated: OpenSSL could not compute SHA-256\n";
  std::abort();
}

std::string digest_hex(const unsigned char* digest, unsigned int length) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) digest_failed();
  return digest_hex(digest.data(), length);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length) == nullptr) {
    digest_failed();
  }
  return digest_hex(digest.data(), length);
}

struct Sha256::Context {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  Context() {
    if (context == nullptr || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) digest_failed();
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_->context, bytes.data(), bytes.size()) != 1) digest_failed();
}

Sha256 Sha256::fork() const {
  Sha256 copy;
  if (EVP_MD_CTX_copy_ex(copy.context_->context, context_->context) != 1) digest_failed();
  return copy;
}

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->context, digest.data(), &length) != 1) digest_failed();
  if (EVP_DigestInit_ex(context_->context, EVP_sha256(), nullptr) != 1) digest_failed();
  return digest_hex(digest.data(), length);
}

}  // namespace recount
