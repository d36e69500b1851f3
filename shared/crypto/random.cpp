// Random secrets and base64 over libcrypto.
#include "shared/crypto/random.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <iostream>

namespace recount::crypto {

std::vector<std::uint8_t> random_bytes(std::size_t count) {
  std::vector<std::uint8_t> bytes(count);
  if (count > 0 && RAND_bytes(bytes.data(), static_cast<int>(count)) != 1) {
    std::cerr << "recount: invariant violated: the random source failed\n";
    std::abort();
  }
  return bytes;
}

std::string random_token(std::size_t bytes) {
  const auto random = random_bytes(bytes);
  std::string text = base64_encode(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string base64_encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  return text;
}

Result<std::string> base64_decode(std::string_view field, std::string_view text) {
  auto refuse = [&] { return invalid(std::string(field), "is not base64"); };
  if (text.size() % 4 != 0) return refuse();
  std::string bytes(3 * (text.size() / 4), '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  // EVP_DecodeBlock counts padding as zero bytes, and skips white space at either end, so a text
  // of padding and spaces can decode to fewer bytes than it ends in padding.
  const std::size_t padding = text.ends_with("==") ? 2 : (text.ends_with("=") ? 1 : 0);
  if (length < 0 || static_cast<std::size_t>(length) < padding) return refuse();
  bytes.resize(static_cast<std::size_t>(length) - padding);
  // Only the one text that encodes these bytes is taken: EVP_DecodeBlock skips white space and
  // ignores the unused low bits of a padded text's last digit, so without this check several texts
  // would read as one signature or key.
  if (base64_encode(bytes) != text) return refuse();
  return bytes;
}

}  // namespace recount::crypto
