// Digital Link URI splitting.
#include "shared/gs1/digital_link.hpp"

#include <algorithm>
#include <array>

#include "shared/gs1/ai_table.hpp"

namespace recount::gs1 {
namespace {

constexpr std::array<std::string_view, 15> kPrimaryKeys = {"00",   "01",   "253",  "255",  "401",  "402",  "414", "417",
                                                           "8003", "8004", "8006", "8010", "8013", "8017", "8018"};

struct Piece {
  std::string_view text;
  std::size_t offset;  // in the URI, from 0
};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b); });
}

std::vector<Piece> split(std::string_view text, std::size_t offset, char separator) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(separator, start), text.size());
    if (end > start) pieces.push_back({text.substr(start, end - start), offset + start});
    start = end + 1;
  }
  return pieces;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(const Piece& piece) {
  std::string decoded;
  for (std::size_t i = 0; i < piece.text.size(); ++i) {
    if (piece.text[i] != '%') {
      decoded += piece.text[i];
      continue;
    }
    const int high = i + 2 < piece.text.size() ? hex_value(piece.text[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(piece.text[i + 2]) : -1;
    if (low < 0) {
      return invalid("uri", "bad %-escape at character " + std::to_string(piece.offset + i + 1));
    }
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

bool is_known_ai(std::string_view text) { return text.size() >= 2 && text.size() <= 4 && find_ai(text) != nullptr; }

bool is_primary_key(std::string_view ai) {
  return std::find(kPrimaryKeys.begin(), kPrimaryKeys.end(), ai) != kPrimaryKeys.end();
}

Result<LinkPair> make_pair(const Piece& ai, const Piece& value) {
  auto decoded = percent_decode(value);
  if (!decoded) return decoded.error();
  return LinkPair{std::string(ai.text), std::move(*decoded), value.offset + 1};
}

// The AI/value pairs at the end of the path, from the primary key on.
Result<std::vector<LinkPair>> path_pairs(const std::vector<Piece>& segments) {
  std::size_t first = segments.size();
  while (first >= 2 && is_known_ai(segments[first - 2].text)) first -= 2;
  while (first < segments.size() && !is_primary_key(segments[first].text)) first += 2;
  if (first >= segments.size()) return invalid("uri", "the path has no GS1 primary key such as /01/<GTIN>");
  std::vector<LinkPair> pairs;
  for (std::size_t i = first; i < segments.size(); i += 2) {
    auto pair = make_pair(segments[i], segments[i + 1]);
    if (!pair) return pair.error();
    pairs.push_back(std::move(*pair));
  }
  auto& key = pairs.front();
  const auto size = key.value.size();
  const bool digits = std::all_of(key.value.begin(), key.value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (key.ai == "01" && digits && (size == 8 || size == 12 || size == 13)) key.value.insert(0, 14 - size, '0');
  return pairs;
}

}  // namespace

bool is_uri(std::string_view text) {
  return starts_with_ignoring_case(text, "http://") || starts_with_ignoring_case(text, "https://");
}

Result<std::vector<LinkPair>> split_digital_link(std::string_view uri) {
  if (!is_uri(uri)) return invalid("uri", "a Digital Link URI starts with http:// or https://");
  const auto scheme_end = uri.find("//") + 2;
  const auto end = std::min(uri.find('#'), uri.size());
  const auto query_start = std::min(uri.find('?'), end);
  const auto path_start = std::min(uri.find('/', scheme_end), query_start);
  auto pairs = path_pairs(split(uri.substr(path_start, query_start - path_start), path_start, '/'));
  if (!pairs) return pairs.error();
  if (query_start == end) return pairs;
  for (const auto& parameter : split(uri.substr(query_start + 1, end - query_start - 1), query_start + 1, '&')) {
    const auto equals = std::min(parameter.text.find('='), parameter.text.size());
    const Piece name{parameter.text.substr(0, equals), parameter.offset};
    const auto numeric = std::all_of(name.text.begin(), name.text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || name.text.empty()) continue;
    if (!is_known_ai(name.text)) {
      return invalid("uri", "query parameter " + std::string(name.text) + " at character " +
                                std::to_string(name.offset + 1) + " is not a GS1 Application Identifier");
    }
    const auto value_offset = std::min(equals + 1, parameter.text.size());
    auto pair = make_pair(name, Piece{parameter.text.substr(value_offset), parameter.offset + value_offset});
    if (!pair) return pair.error();
    pairs->push_back(std::move(*pair));
  }
  return pairs;
}

}  // namespace recount::gs1
