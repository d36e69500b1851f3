// Ed25519 over OpenSSL 3's EVP interface.
#include "shared/crypto/ed25519.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "shared/crypto/random.hpp"
#include "shared/crypto/sha256.hpp"

namespace recount::crypto {
namespace {

constexpr std::size_t kSignatureBytes = 64;

[[noreturn]] void fail_invariant(const char* what) {
  std::cerr << "recount: invariant violated: OpenSSL could not " << what << '\n';
  std::abort();
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memory_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) fail_invariant("allocate a memory BIO");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::array<std::uint8_t, 32> raw_public(EVP_PKEY* key) {
  std::array<std::uint8_t, 32> raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    fail_invariant("read an Ed25519 public key");
  }
  return raw;
}

Result<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorCode::kIo, "", "cannot read " + file.string()};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

enum class Replace { kYes, kNo };

// Writes through a temporary file (created 0600) and fsync, then renames it over `file`, or with
// Replace::kNo links it there only if `file` does not exist yet: a reader sees no file, the old
// one or the whole new one, and two processes creating a key at once agree on one of them.
// Returns false, without error, when kNo found a file already there.
Result<bool> write_private(const std::filesystem::path& file, const std::string& text, Replace replace) {
  const std::filesystem::path temporary = file.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{ErrorCode::kIo, "", "cannot create " + temporary.string()};
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  bool placed = false;
  bool existed = false;
  if (written && replace == Replace::kYes) {
    placed = ::rename(temporary.c_str(), file.c_str()) == 0;
  } else if (written) {
    placed = ::link(temporary.c_str(), file.c_str()) == 0;
    existed = !placed && errno == EEXIST;
  }
  std::error_code ignored;
  if (!placed || replace == Replace::kNo) std::filesystem::remove(temporary, ignored);
  if (existed) return false;
  if (!placed) return Error{ErrorCode::kIo, "", "cannot write " + file.string()};
  return true;
}

}  // namespace

struct SigningKey::Key {
  PkeyPtr pkey;
};

Result<PublicKey> PublicKey::from_base64(std::string_view text) {
  auto bytes = base64_decode("public key", text);
  if (!bytes) return bytes.error();
  if (bytes->size() != 32) return invalid("public key", "must be 32 bytes of base64 (an Ed25519 public key)");
  std::array<std::uint8_t, 32> raw{};
  std::copy(bytes->begin(), bytes->end(), raw.begin());
  return PublicKey(raw);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return invalid("public key", "is not an Ed25519 public key in PEM form");
  }
  return PublicKey(raw_public(key.get()));
}

Result<PublicKey> PublicKey::load(const std::filesystem::path& file) {
  auto text = read_text(file);
  if (!text) return text.error();
  auto key = from_pem(*text);
  if (!key) return invalid("", file.string() + " " + key.error().message);
  return key;
}

std::string PublicKey::base64() const {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(raw_.data()), raw_.size()));
}

std::string PublicKey::pem() const {
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw_.data(), raw_.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!key || !bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) fail_invariant("write a public key");
  return bio_text(bio.get());
}

std::string PublicKey::fingerprint() const {
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw_.data()), raw_.size())).substr(0, 16);
}

SigningKey::SigningKey(std::unique_ptr<Key> key, PublicKey public_key)
    : key_(std::move(key)), public_key_(public_key) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

SigningKey SigningKey::generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) fail_invariant("generate an Ed25519 key");
  const PublicKey public_key(raw_public(key.get()));
  return SigningKey(std::make_unique<Key>(Key{std::move(key)}), public_key);
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Error{ErrorCode::kCorrupt, "", "no Ed25519 private key in PEM form"};
  }
  const PublicKey public_key(raw_public(key.get()));
  return SigningKey(std::make_unique<Key>(Key{std::move(key)}), public_key);
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
  auto text = read_text(file);
  if (!text) return text.error();
  auto key = from_pem(*text);
  if (!key) return Error{ErrorCode::kCorrupt, "", file.string() + " holds no Ed25519 private key in PEM form"};
  return key;
}

Result<SigningKey> SigningKey::load_or_create(const std::filesystem::path& file) {
  std::error_code error;
  if (std::filesystem::exists(file, error)) return load(file);
  SigningKey key = generate();
  auto created = write_private(file, key.private_pem(), Replace::kNo);
  if (!created) return created.error();
  if (!*created) return load(file);  // another process created it first: use theirs
  return key;
}

std::string SigningKey::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail_invariant("write a private key");
  }
  return bio_text(bio.get());
}

Result<void> SigningKey::save(const std::filesystem::path& file) const {
  auto written = write_private(file, private_pem(), Replace::kYes);
  if (!written) return written.error();
  return {};
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
  std::array<unsigned char, kSignatureBytes> signature{};
  std::size_t length = signature.size();
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(context.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    fail_invariant("sign with Ed25519");
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(signature.data()), length));
}

bool verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  auto bytes = base64_decode("signature", signature);
  if (!bytes || bytes->size() != kSignatureBytes) return false;
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.raw().data(), key.raw().size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
  if (!pkey || !context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    fail_invariant("prepare an Ed25519 verification");
  }
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace recount::crypto
