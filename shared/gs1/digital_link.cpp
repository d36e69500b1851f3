// Digital Link URI splitting, after the GS1 Digital Link Standard: URI Syntax (the path's primary
// key and key qualifiers, the query's data attributes).
#include "shared/gs1/digital_link.hpp"

#include <algorithm>
#include <iterator>

#include "shared/core/hex.hpp"
#include "shared/gs1/ai_table.hpp"

namespace recount::gs1 {
namespace {

// A primary key and the qualifiers that may follow it in the path: each alternative lists
// qualifiers in the only order they may appear, each of them optional. Qualifiers whose AI is
// not in recount's table (7040) are left out: a path holding one is refused as unknown anyway.
struct PrimaryKey {
  std::string_view ai;
  std::vector<std::vector<std::string_view>> qualifiers;
};

const std::vector<PrimaryKey>& primary_keys() {
  static const std::vector<PrimaryKey> kKeys = {
      {"00", {}},           {"01", {{"22", "10", "21"}, {"235"}}},
      {"253", {}},          {"255", {}},
      {"401", {}},          {"402", {}},
      {"414", {{"254"}}},   {"415", {{"8020"}}},
      {"417", {}},          {"8003", {}},
      {"8004", {}},         {"8006", {{"22", "10", "21"}}},
      {"8010", {{"8011"}}}, {"8013", {}},
      {"8017", {{"8019"}}}, {"8018", {{"8019"}}},
  };
  return kKeys;
}

// Where a %-escaped value comes from: in the query, '+' stands for a space.
enum class UriPart { kPath, kQuery };

struct Piece {
  std::string_view text;
  std::size_t offset;  // in the URI, from 0
};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b); });
}

// Every piece between separators, empty ones included.
std::vector<Piece> split(std::string_view text, std::size_t offset, char separator) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  while (true) {
    const auto end = std::min(text.find(separator, start), text.size());
    pieces.push_back({text.substr(start, end - start), offset + start});
    if (end == text.size()) return pieces;
    start = end + 1;
  }
}

Result<std::string> percent_decode(const Piece& piece, UriPart part) {
  std::string decoded;
  for (std::size_t i = 0; i < piece.text.size(); ++i) {
    if (piece.text[i] == '+' && part == UriPart::kQuery) {
      decoded += ' ';
      continue;
    }
    if (piece.text[i] != '%') {
      decoded += piece.text[i];
      continue;
    }
    const int high = i + 2 < piece.text.size() ? hex_digit_value(piece.text[i + 1]) : -1;
    const int low = high >= 0 ? hex_digit_value(piece.text[i + 2]) : -1;
    if (low < 0 || high * 16 + low == 0) {
      return invalid("uri", "bad %-escape at character " + std::to_string(piece.offset + i + 1));
    }
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

bool is_known_ai(std::string_view text) { return text.size() >= 2 && text.size() <= 4 && find_ai(text) != nullptr; }

const PrimaryKey* find_primary_key(std::string_view ai) {
  const auto& keys = primary_keys();
  const auto key = std::find_if(keys.begin(), keys.end(), [&](const PrimaryKey& entry) { return entry.ai == ai; });
  return key == keys.end() ? nullptr : &*key;
}

// True when `qualifiers` keep the order of one of the key's alternatives (each may be left out).
bool is_qualifier_sequence(const PrimaryKey& key, const std::vector<std::string_view>& qualifiers) {
  if (qualifiers.empty()) return true;
  return std::any_of(key.qualifiers.begin(), key.qualifiers.end(), [&](const auto& order) {
    auto next = order.begin();
    for (const auto qualifier : qualifiers) {
      next = std::find(next, order.end(), qualifier);
      if (next == order.end()) return false;
      ++next;
    }
    return true;
  });
}

// "(22) (10) (21) in this order, or (235)", for messages.
std::string describe_qualifiers(const PrimaryKey& key) {
  if (key.qualifiers.empty()) return "no key qualifiers";
  std::string text;
  for (const auto& order : key.qualifiers) {
    if (!text.empty()) text += ", or ";
    for (const auto qualifier : order) text += "(" + std::string(qualifier) + ") ";
    text += order.size() > 1 ? "in this order" : "";
  }
  while (text.ends_with(' ')) text.pop_back();
  return "key qualifiers " + text;
}

Result<LinkPair> make_pair(const Piece& ai, const Piece& value, UriPart part) {
  auto decoded = percent_decode(value, part);
  if (!decoded) return decoded.error();
  // The standard writes GTINs with 14 digits; the shorter forms are read as that GTIN.
  const auto size = decoded->size();
  const bool digits = std::all_of(decoded->begin(), decoded->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (ai.text == "01" && digits && (size == 8 || size == 12 || size == 13)) decoded->insert(0, 14 - size, '0');
  return LinkPair{std::string(ai.text), std::move(*decoded), value.offset + 1};
}

// The pairs of the path from its primary key on: the rightmost "/AI/value" pair whose AI is a
// primary key and after which every pair's AI is known. What comes before is the URI's stem.
Result<std::vector<LinkPair>> path_pairs(const std::vector<Piece>& pieces) {
  if (pieces.size() > 1 && pieces.back().text.empty()) {
    return invalid("uri", "the path ends with '/' at character " + std::to_string(pieces.back().offset));
  }
  // pieces[0] is what precedes the path's first '/': nothing.
  std::size_t root = 0;
  for (auto end = pieces.size(); end >= 3 && is_known_ai(pieces[end - 2].text); end -= 2) {
    if (find_primary_key(pieces[end - 2].text) != nullptr) {
      root = end - 2;
      break;
    }
  }
  if (root == 0) return invalid("uri", "the path has no GS1 primary key such as /01/<GTIN>");
  const auto& key = *find_primary_key(pieces[root].text);
  std::vector<LinkPair> pairs;
  std::vector<std::string_view> qualifiers;
  for (auto i = root; i < pieces.size(); i += 2) {
    if (pieces[i + 1].text.empty()) {
      return invalid("uri", "(" + std::string(pieces[i].text) + ") has an empty value at character " +
                                std::to_string(pieces[i + 1].offset + 1));
    }
    if (i > root) qualifiers.push_back(pieces[i].text);
    if (!is_qualifier_sequence(key, qualifiers)) {
      return invalid("uri", "(" + std::string(pieces[i].text) + ") at character " +
                                std::to_string(pieces[i].offset + 1) + " cannot follow in the path: (" +
                                std::string(key.ai) + ") takes " + describe_qualifiers(key));
    }
    auto pair = make_pair(pieces[i], pieces[i + 1], UriPart::kPath);
    if (!pair) return pair.error();
    pairs.push_back(std::move(*pair));
  }
  return pairs;
}

// The query's AI parameters. Parameters without '=' or with a name that is not a number are
// someone else's (linktype=..., utm_...) and are skipped.
Result<std::vector<LinkPair>> query_pairs(std::string_view query, std::size_t offset) {
  std::vector<LinkPair> pairs;
  for (const auto& parameter : split(query, offset, '&')) {
    const auto equals = parameter.text.find('=');
    if (equals == std::string_view::npos) continue;
    const Piece name{parameter.text.substr(0, equals), parameter.offset};
    const auto numeric = std::all_of(name.text.begin(), name.text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || name.text.empty()) continue;
    if (!is_known_ai(name.text)) {
      return invalid("uri", "query parameter " + std::string(name.text) + " at character " +
                                std::to_string(name.offset + 1) + " is not a GS1 Application Identifier");
    }
    auto pair =
        make_pair(name, Piece{parameter.text.substr(equals + 1), parameter.offset + equals + 1}, UriPart::kQuery);
    if (!pair) return pair.error();
    pairs.push_back(std::move(*pair));
  }
  return pairs;
}

// A query attribute that the path could carry as a key qualifier belongs there.
Result<void> check_query_attribute(const std::vector<LinkPair>& path, const LinkPair& attribute) {
  const auto& key = *find_primary_key(path.front().ai);
  std::vector<std::string_view> qualifiers;
  for (std::size_t i = 1; i < path.size(); ++i) qualifiers.push_back(path[i].ai);
  for (std::size_t at = 0; at <= qualifiers.size(); ++at) {
    auto with = qualifiers;
    with.insert(with.begin() + static_cast<std::ptrdiff_t>(at), attribute.ai);
    if (is_qualifier_sequence(key, with)) {
      return invalid("uri", "(" + attribute.ai + ") is a key qualifier of (" + path.front().ai +
                                "): it belongs in the path, not in the query (character " +
                                std::to_string(attribute.position) + ")");
    }
  }
  return Ok{};
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
  auto attributes = query_pairs(uri.substr(query_start + 1, end - query_start - 1), query_start + 1);
  if (!attributes) return attributes.error();
  // Each attribute is checked against the path alone: with the attributes before it counted as
  // qualifiers, no sequence matched once any came first (a qualifier in the query was let through),
  // and every check copied all of them, cubic in the query's length.
  for (const auto& attribute : *attributes) {
    if (auto placed = check_query_attribute(*pairs, attribute); !placed) return placed.error();
  }
  pairs->insert(pairs->end(), std::make_move_iterator(attributes->begin()), std::make_move_iterator(attributes->end()));
  for (std::size_t i = 1; i < pairs->size(); ++i) {
    const auto& pair = (*pairs)[i];
    const auto first = std::find_if(pairs->begin(), pairs->begin() + static_cast<std::ptrdiff_t>(i),
                                    [&](const LinkPair& earlier) { return earlier.ai == pair.ai; });
    if (first != pairs->begin() + static_cast<std::ptrdiff_t>(i)) {
      return invalid("uri", "(" + pair.ai + ") appears twice, at characters " + std::to_string(first->position) +
                                " and " + std::to_string(pair.position));
    }
  }
  return pairs;
}

}  // namespace recount::gs1
