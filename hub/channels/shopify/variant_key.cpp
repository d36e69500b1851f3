// Variant keys: normalise, escape and read back.
#include "hub/channels/shopify/variant_key.hpp"

namespace recount::hub::channels::shopify {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string normalised(std::string_view text, bool lower) {
  std::string out;
  bool pending_space = false;
  for (const char c : text) {
    if (blank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += lower && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string escaped(const std::string& part) {
  std::string out;
  for (const char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescaped(std::string_view part) {
  std::string out;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] != '%') {
      out += part[i];
      continue;
    }
    const auto code = part.substr(i + 1, 2);
    if (code == "25") {
      out += '%';
    } else if (code == "2F" || code == "2f") {
      out += '/';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

}  // namespace

std::string variant_key(std::string_view handle, const std::vector<std::string>& option_values) {
  std::string key = std::string(kVariantKeyPrefix) + escaped(normalised(handle, true));
  for (const auto& value : option_values) {
    const std::string part = normalised(value, false);
    if (part.empty() || part == "Default Title") continue;
    key += "/" + escaped(part);
  }
  return key;
}

std::optional<Variant> parse_variant_key(std::string_view key) {
  if (!key.starts_with(kVariantKeyPrefix)) return std::nullopt;
  key.remove_prefix(kVariantKeyPrefix.size());
  Variant variant;
  bool first = true;
  while (true) {
    const auto slash = key.find('/');
    auto part = unescaped(key.substr(0, slash));
    if (!part || part->empty()) return std::nullopt;
    (first ? variant.handle : variant.option_values.emplace_back()) = std::move(*part);
    first = false;
    if (slash == std::string_view::npos) break;
    key.remove_prefix(slash + 1);
  }
  if (variant.option_values.size() > kMaxOptions) return std::nullopt;
  return variant;
}

}  // namespace recount::hub::channels::shopify
