// PIN hashes with libcrypto's PKCS5_PBKDF2_HMAC.
#include "shared/crypto/pin_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "shared/crypto/random.hpp"

namespace recount::crypto {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

std::string pbkdf2(std::string_view pin, std::string_view salt, std::uint32_t iterations) {
  std::string key(kKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(key.size()), reinterpret_cast<unsigned char*>(key.data())) != 1) {
    std::cerr << "recount: invariant violated: OpenSSL could not compute PBKDF2\n";
    std::abort();
  }
  return key;
}

// A stored hash taken apart; the salt and key decoded.
struct ParsedHash {
  std::uint32_t iterations = 0;
  std::string salt;
  std::string key;
};

Result<ParsedHash> parse(std::string_view field, std::string_view stored) {
  auto refuse = [&](const std::string& why) { return invalid(std::string(field), why); };
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = stored.find('$', start);
    parts.push_back(stored.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 4 || parts[0] != kScheme) {
    return refuse("must be pbkdf2-sha256$ITERATIONS$SALT$HASH");
  }
  ParsedHash parsed;
  const auto [end, error] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), parsed.iterations);
  if (error != std::errc() || end != parts[1].data() + parts[1].size() || parsed.iterations < kMinPinIterations ||
      parsed.iterations > kMaxPinIterations) {
    return refuse("iterations must be a whole number from " + std::to_string(kMinPinIterations) + " to " +
                  std::to_string(kMaxPinIterations));
  }
  auto salt = base64_decode(field, parts[2]);
  if (!salt) return salt.error();
  auto key = base64_decode(field, parts[3]);
  if (!key) return key.error();
  if (salt->size() != kSaltBytes || key->size() != kKeyBytes) {
    return refuse("must hold a " + std::to_string(kSaltBytes) + "-byte salt and a " + std::to_string(kKeyBytes) +
                  "-byte hash");
  }
  parsed.salt = std::move(*salt);
  parsed.key = std::move(*key);
  return parsed;
}

}  // namespace

std::string hash_pin(std::string_view pin, std::uint32_t iterations) {
  const auto random = random_bytes(kSaltBytes);
  const std::string salt(reinterpret_cast<const char*>(random.data()), random.size());
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(pbkdf2(pin, salt, iterations));
}

Result<void> check_pin_hash(std::string_view field, std::string_view stored) {
  auto parsed = parse(field, stored);
  if (!parsed) return parsed.error();
  return {};
}

Result<PinMatch> verify_pin(std::string_view pin, std::string_view stored) {
  auto parsed = parse("pin_hash", stored);
  if (!parsed) return parsed.error();
  const auto key = pbkdf2(pin, parsed->salt, parsed->iterations);
  return CRYPTO_memcmp(key.data(), parsed->key.data(), kKeyBytes) == 0 ? PinMatch::kMatch : PinMatch::kMismatch;
}

}  // namespace recount::crypto
