// Random identifiers.
#include "shared/core/random_id.hpp"

#include <array>
#include <cstdio>
#include <random>

namespace recount {
namespace {

std::uint64_t random_u64() {
  // random_device reads the kernel's entropy; thread_local avoids a lock and a reopen per call.
  thread_local std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

bool all_hex(const std::string& text, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string random_epoch() {
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(random_u64()));
  return text.data();
}

std::string uuid_v7(std::int64_t unix_ms) {
  const auto ms = static_cast<std::uint64_t>(unix_ms) & 0xFFFFFFFFFFFFULL;
  const std::uint64_t random_high = random_u64();
  const std::uint64_t random_low = random_u64();
  const std::uint64_t high = (ms << 16) | 0x7000ULL | (random_high & 0x0FFFULL);
  const std::uint64_t low = 0x8000000000000000ULL | (random_low & 0x3FFFFFFFFFFFFFFFULL);
  std::array<char, 37> text{};
  std::snprintf(text.data(), text.size(), "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32), static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF), static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text.data();
}

bool is_epoch(const std::string& text) { return text.size() == 16 && all_hex(text, 0, 16); }

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t dash : {8u, 13u, 18u, 23u}) {
    if (text[dash] != '-') return false;
  }
  return all_hex(text, 0, 8) && all_hex(text, 9, 13) && all_hex(text, 14, 18) && all_hex(text, 19, 23) &&
         all_hex(text, 24, 36);
}

}  // namespace recount
