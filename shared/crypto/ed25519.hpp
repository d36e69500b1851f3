// Ed25519 signatures (libcrypto, through shared/crypto, the one adapter over OpenSSL): the hub signs
// what it tells devices (catalogs, task lists) and the checkpoints of its audit chain, and anyone
// holding its public key checks them.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::crypto {

// A public key: 32 bytes. Its text forms are PEM (SubjectPublicKeyInfo, as `openssl pkey -pubout`
// writes it) for files, and base64 of the raw 32 bytes for JSON.
class PublicKey {
 public:
  // Errors: kInvalidInput when `text` is not base64 of exactly 32 bytes.
  static Result<PublicKey> from_base64(std::string_view text);
  // Errors: kInvalidInput when `pem` holds no Ed25519 public key.
  static Result<PublicKey> from_pem(std::string_view pem);
  // Reads a PEM file. Errors: kIo when it cannot be read; else as from_pem, naming the file.
  static Result<PublicKey> load(const std::filesystem::path& file);

  std::string base64() const;
  std::string pem() const;
  // 16 hex digits of SHA-256 over the raw key: short enough to print, long enough to tell keys apart.
  std::string fingerprint() const;
  const std::array<std::uint8_t, 32>& raw() const { return raw_; }

  bool operator==(const PublicKey&) const = default;

 private:
  explicit PublicKey(const std::array<std::uint8_t, 32>& raw) : raw_(raw) {}
  friend class SigningKey;
  std::array<std::uint8_t, 32> raw_{};
};

// A private key. Movable, not copyable; thread-safe for concurrent sign() calls.
class SigningKey {
 public:
  // A new key from the operating system's random source.
  static SigningKey generate();
  // Reads a PEM (PKCS#8) private key. Errors: kCorrupt when `pem` holds no Ed25519 private key.
  static Result<SigningKey> from_pem(std::string_view pem);
  // Reads a PEM (PKCS#8) private key file. Errors: kIo when it cannot be read, kCorrupt when it
  // holds no Ed25519 private key (both name the file).
  static Result<SigningKey> load(const std::filesystem::path& file);
  // Loads `file`, or on first use generates a key and writes it there (mode 0600, through a
  // temporary file, so a crash never leaves half a key; when two processes create it at once,
  // both end up with the one that was placed first). Errors: those of load, and kIo when the new
  // key cannot be written.
  static Result<SigningKey> load_or_create(const std::filesystem::path& file);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  // Writes the private key as PEM (mode 0600, atomically as in load_or_create). Errors: kIo.
  Result<void> save(const std::filesystem::path& file) const;

  const PublicKey& public_key() const { return public_key_; }

  // The 64-byte Ed25519 signature of `message`, as base64.
  std::string sign(std::string_view message) const;

 private:
  struct Key;  // OpenSSL's EVP_PKEY
  std::string private_pem() const;
  SigningKey(std::unique_ptr<Key> key, PublicKey public_key);
  std::unique_ptr<Key> key_;
  PublicKey public_key_;
};

// Whether `signature` (base64, as SigningKey::sign returns it) is `key`'s signature of `message`.
// Never throws; malformed signatures are simply not valid.
bool verify(const PublicKey& key, std::string_view message, std::string_view signature);

}  // namespace recount::crypto
