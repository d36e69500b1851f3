// The identity of a Shopify variant that has no SKU (docs/channels.md): its Handle plus its
// option values, written as one key that stands where a SKU would (aliases, the unmapped list,
// snapshot facts, corrections), so such a variant can be mapped to an item like any SKU.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recount::hub::channels::shopify {

// Every variant key starts with it; a SKU spelled so is taken for a key.
inline constexpr std::string_view kVariantKeyPrefix = "handle:";

// Shopify's variants have at most three options (Option1 … Option3).
inline constexpr std::size_t kMaxOptions = 3;

// Handle and option values as a correction names them to Shopify.
struct Variant {
  std::string handle;
  std::vector<std::string> option_values;  // Option1 Value, Option2 Value, … without the empty ones

  bool operator==(const Variant&) const = default;
};

// "handle:" + the Handle, then "/" + each option value, in option order. Normalised so that the
// same variant keys the same however a spreadsheet touched it: leading and trailing blanks
// dropped and inner runs of blanks made one space; the Handle lower-cased (Shopify's handles are
// lower case; only ASCII letters are folded, so "new-era®-cap" stays as it is, UTF-8 compared
// byte for byte); option values keep their case (Shopify matches them as written). "%" and "/"
// inside a part are written %25 and %2F. Empty values are left out, and so is "Default Title",
// Shopify's value for a product without variants. Pure.
std::string variant_key(std::string_view handle, const std::vector<std::string>& option_values);

// The Handle and option values a key names (as variant_key normalised them); nullopt when `key`
// is not a variant key (no prefix, an empty Handle or value, a bad %-escape, more than
// kMaxOptions values). Pure.
std::optional<Variant> parse_variant_key(std::string_view key);

}  // namespace recount::hub::channels::shopify
