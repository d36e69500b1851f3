// The protocol decoders' JSON parser: one pass over the payload into a vector of nodes, with an
// explicit stack of open containers instead of recursion.
#include "shared/protocol/json_document.hpp"

#include <cassert>
#include <clocale>  // newlocale (POSIX)
#include <cmath>
#include <cstdlib>  // strtod_l
#include <cstring>
#include <limits>

#include "shared/protocol/utf8.hpp"

namespace recount::protocol {

class JsonParser {
 public:
  JsonParser(JsonDocument& document, std::string_view payload, std::size_t max_depth, std::size_t kept_depth)
      : document_(document),
        begin_(reinterpret_cast<const unsigned char*>(payload.data())),
        at_(begin_),
        end_(at_ + payload.size()),
        payload_size_(payload.size()),
        max_depth_(max_depth),
        kept_depth_(kept_depth) {}

  enum class Outcome { kParsed, kMalformed, kTooDeep };

  // Parses the whole payload into the document.
  Outcome parse() { return parse_value() ? Outcome::kParsed : too_deep_ ? Outcome::kTooDeep : Outcome::kMalformed; }

 private:
  // Whether the payload is one well-formed JSON value within the depth limit.
  bool parse_value() {
    // A UTF-8 byte-order mark may open the payload; nlohmann skips it, so we do.
    if (end_ - at_ >= 1 && at_[0] == 0xEF) {
      if (end_ - at_ < 3 || at_[1] != 0xBB || at_[2] != 0xBF) return false;
      at_ += 3;
    }
    skip_whitespace();
    for (;;) {
      // A value starts here: a container opens, or a scalar is read whole.
      if (at_ == end_) return false;
      const unsigned char first = *at_;
      const std::uint32_t value_begin = offset();
      if (first == '{' || first == '[') {
        // Checked before the container is opened, so a hostile payload costs no more than the
        // levels it is allowed.
        if (open_.size() >= max_depth_) {
          too_deep_ = true;
          return false;
        }
        const auto kind = first == '{' ? JsonValue::Kind::kObject : JsonValue::Kind::kArray;
        if (keeping()) {
          const auto index = static_cast<std::uint32_t>(document_.nodes_.size());
          JsonDocument::Node& container = push(kind);
          container.source_begin = value_begin;
          if (kind == JsonValue::Kind::kObject) container.key_bits = 0;
          open_.push_back({index, kind});  // after the push: its members are a level deeper
        } else {
          open_.push_back({kNotKept, kind});
        }
        ++at_;
        skip_whitespace();
        if (at_ != end_ && *at_ == closer(kind)) {
          ++at_;
          close();
        } else {
          if (kind == JsonValue::Kind::kObject && !key()) return false;
          continue;
        }
      } else {
        const bool kept = keeping();
        const std::size_t index = document_.nodes_.size();
        if (!scalar()) return false;
        if (kept) {
          document_.nodes_[index].source_begin = value_begin;
          document_.nodes_[index].source_end = offset();
        }
      }
      // A value ended: it counts in its container, which goes on, closes (ending a value of its
      // own container in turn) or is malformed.
      for (;;) {
        skip_whitespace();
        // nlohmann's lexer reads a NUL byte where a token may start as the end of the input
        // (for C strings), so whatever follows one after the value is ignored, as there.
        if (open_.empty()) return at_ == end_ || *at_ == '\0';
        const Open container = open_.back();
        if (container.index != kNotKept) ++document_.nodes_[container.index].length;
        if (at_ == end_) return false;
        if (*at_ == ',') {
          ++at_;
          skip_whitespace();
          if (container.kind == JsonValue::Kind::kObject && !key()) return false;
          break;
        }
        if (*at_ != closer(container.kind)) return false;
        ++at_;
        close();
      }
    }
  }

  // An open container: its node, or kNotKept when it is nested deeper than kept_depth_.
  struct Open {
    std::uint32_t index;
    JsonValue::Kind kind;
  };
  static constexpr std::uint32_t kNotKept = std::numeric_limits<std::uint32_t>::max();

  static unsigned char closer(JsonValue::Kind kind) { return kind == JsonValue::Kind::kObject ? '}' : ']'; }

  // Whether the value (or member key) starting now gets a node: it is at most kept_depth_ deep.
  bool keeping() const { return open_.size() <= kept_depth_; }

  // A node for a value starting now; one that is not kept is written to a scratch node instead.
  JsonDocument::Node& push(JsonValue::Kind kind) {
    if (!keeping()) return not_kept_;
    const auto index = static_cast<std::uint32_t>(document_.nodes_.size());
    JsonDocument::Node& node = document_.nodes_.emplace_back();
    node.kind = kind;
    node.length = 0;
    node.end = index + 1;
    node.source_begin = 0;
    node.source_end = 0;
    node.unsigned_integer = 0;
    return node;
  }

  std::uint32_t offset() const { return static_cast<std::uint32_t>(at_ - begin_); }

  // At the byte after the container's closer.
  void close() {
    if (const std::uint32_t index = open_.back().index; index != kNotKept) {
      document_.nodes_[index].end = static_cast<std::uint32_t>(document_.nodes_.size());
      document_.nodes_[index].source_end = offset();
    }
    open_.pop_back();
  }

  void skip_whitespace() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }

  // A member's key and its colon, leaving at_ at the value.
  bool key() {
    if (at_ == end_ || *at_ != '"' || !string()) return false;
    if (keeping()) {
      const JsonDocument::Node& key = document_.nodes_.back();
      document_.nodes_[open_.back().index].key_bits |= JsonDocument::key_bit({key.text, key.length});
    }
    skip_whitespace();
    if (at_ == end_ || *at_ != ':') return false;
    ++at_;
    skip_whitespace();
    return true;
  }

  bool scalar() {
    switch (*at_) {
      case '"': return string();
      case 't': return literal("true", JsonValue::Kind::kBoolean, true);
      case 'f': return literal("false", JsonValue::Kind::kBoolean, false);
      case 'n': return literal("null", JsonValue::Kind::kNull, false);
      default: return number();
    }
  }

  bool literal(std::string_view word, JsonValue::Kind kind, bool value) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::memcmp(at_, word.data(), word.size()) != 0) {
      return false;
    }
    at_ += word.size();
    push(kind).boolean = value;
    return true;
  }

  // At a quote. Strings without escapes stay views into the payload.
  bool string() {
    const unsigned char* const start = ++at_;
    for (;;) {
      if (at_ == end_) return false;
      const unsigned char c = *at_;
      if (c == '"') {
        push_string(reinterpret_cast<const char*>(start), static_cast<std::size_t>(at_ - start));
        ++at_;
        return true;
      }
      if (c == '\\') return escaped_string(start);
      if (!text_byte()) return false;
    }
  }

  // Accepts the character at at_ that is neither a quote nor a backslash: printable ASCII or a
  // well-formed UTF-8 sequence.
  bool text_byte() {
    if (*at_ < 0x20) return false;
    if (*at_ < 0x80) {
      ++at_;
      return true;
    }
    const Utf8Sequence sequence = utf8_sequence(at_, end_);
    at_ += sequence.length;
    return sequence.valid;
  }

  // The rest of a string that started at `start` and has an escape at at_: unescaped into the
  // document's buffer. Every byte written there stands for at least one payload byte, so the
  // buffer (the payload's size) cannot overflow. A string that is not kept is only checked.
  bool escaped_string(const unsigned char* start) {
    if (!keeping()) return skip_escaped_string();
    if (!document_.unescaped_) document_.unescaped_ = std::make_unique_for_overwrite<char[]>(payload_size_);
    char* const begin = document_.unescaped_.get() + unescaped_used_;
    char* out = begin;
    out = std::copy(start, at_, out);
    for (;;) {
      if (at_ == end_) return false;
      const unsigned char c = *at_;
      if (c == '"') break;
      if (c == '\\') {
        if (!escape(out)) return false;
        continue;
      }
      const unsigned char* const from = at_;
      if (!text_byte()) return false;
      out = std::copy(from, at_, out);
    }
    ++at_;
    const auto length = static_cast<std::size_t>(out - begin);
    unescaped_used_ += length;
    assert(unescaped_used_ <= payload_size_);
    push_string(begin, length);
    return true;
  }

  // The rest of a string not kept, from an escape at at_: the same checks, nothing written.
  bool skip_escaped_string() {
    for (;;) {
      if (at_ == end_) return false;
      const unsigned char c = *at_;
      if (c == '"') break;
      if (c == '\\') {
        char character[4];  // one escape's UTF-8, at most 4 bytes
        char* out = character;
        if (!escape(out)) return false;
        continue;
      }
      if (!text_byte()) return false;
    }
    ++at_;
    return true;
  }

  // At a backslash: writes the character it stands for.
  bool escape(char*& out) {
    if (++at_ == end_) return false;
    switch (*at_++) {
      case '"': *out++ = '"'; return true;
      case '\\': *out++ = '\\'; return true;
      case '/': *out++ = '/'; return true;
      case 'b': *out++ = '\b'; return true;
      case 'f': *out++ = '\f'; return true;
      case 'n': *out++ = '\n'; return true;
      case 'r': *out++ = '\r'; return true;
      case 't': *out++ = '\t'; return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t code_point = 0;
    if (!hex4(code_point)) return false;
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;  // a low surrogate alone
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      // A high surrogate must be followed by the escape of a low one.
      std::uint32_t low = 0;
      if (end_ - at_ < 2 || at_[0] != '\\' || at_[1] != 'u') return false;
      at_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    put_utf8(out, code_point);
    return true;
  }

  bool hex4(std::uint32_t& value) {
    if (end_ - at_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = *at_++;
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      value = value << 4 | digit;
    }
    return true;
  }

  static void put_utf8(char*& out, std::uint32_t code_point) {
    auto put = [&](std::uint32_t byte) { *out++ = static_cast<char>(byte); };
    if (code_point < 0x80) {
      put(code_point);
    } else if (code_point < 0x800) {
      put(0xC0 | code_point >> 6);
      put(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
      put(0xE0 | code_point >> 12);
      put(0x80 | (code_point >> 6 & 0x3F));
      put(0x80 | (code_point & 0x3F));
    } else {
      put(0xF0 | code_point >> 18);
      put(0x80 | (code_point >> 12 & 0x3F));
      put(0x80 | (code_point >> 6 & 0x3F));
      put(0x80 | (code_point & 0x3F));
    }
  }

  void push_string(const char* text, std::size_t length) {
    JsonDocument::Node& node = push(JsonValue::Kind::kString);
    node.length = static_cast<std::uint32_t>(length);
    node.text = text;
  }

  bool digits() {
    const unsigned char* const first = at_;
    while (at_ != end_ && *at_ >= '0' && *at_ <= '9') ++at_;
    return at_ != first;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as RFC 8259 has it; kinds as JsonValue::Kind says.
  bool number() {
    const unsigned char* const start = at_;
    const bool negative = *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || *at_ < '0' || *at_ > '9') return false;
    std::uint64_t magnitude = 0;
    bool fits = true;
    if (*at_ == '0') {
      ++at_;
    } else {
      for (; at_ != end_ && *at_ >= '0' && *at_ <= '9'; ++at_) {
        fits = fits && !__builtin_mul_overflow(magnitude, 10u, &magnitude) &&
               !__builtin_add_overflow(magnitude, static_cast<unsigned>(*at_ - '0'), &magnitude);
      }
    }
    bool integral = true;
    if (at_ != end_ && *at_ == '.') {
      ++at_;
      if (!digits()) return false;
      integral = false;
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
      ++at_;
      if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
      if (!digits()) return false;
      integral = false;
    }
    constexpr std::uint64_t kMostNegative = std::uint64_t{1} << 63;  // |INT64_MIN|
    if (integral && fits && !negative) {
      push(JsonValue::Kind::kUnsigned).unsigned_integer = magnitude;
    } else if (integral && fits && magnitude <= kMostNegative) {
      push(JsonValue::Kind::kSigned).signed_integer =
          magnitude == kMostNegative ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(magnitude);
    } else {
      // Rare in the protocol (no field is a fraction), so a copy for strtod's terminator is fine.
      // nlohmann refuses what overflows a double, and keeps what underflows as 0 or a subnormal.
      static const locale_t kNumericC = newlocale(LC_NUMERIC_MASK, "C", locale_t{});
      const std::string token(start, at_);
      const double value = strtod_l(token.c_str(), nullptr, kNumericC);
      if (!std::isfinite(value)) return false;
      push(JsonValue::Kind::kFloat).floating = value;
    }
    return true;
  }

  JsonDocument& document_;
  const unsigned char* const begin_;
  const unsigned char* at_;
  const unsigned char* const end_;
  const std::size_t payload_size_;
  const std::size_t max_depth_;
  const std::size_t kept_depth_;
  bool too_deep_ = false;
  std::size_t unescaped_used_ = 0;
  std::vector<Open> open_;         // the containers not yet closed, innermost last
  JsonDocument::Node not_kept_{};  // where values deeper than kept_depth_ are written
};

Result<JsonDocument> JsonDocument::parse(std::string_view payload, std::size_t max_depth, std::size_t kept_depth) {
  if (payload.size() >= std::numeric_limits<std::uint32_t>::max()) {
    return invalid("", "payload of " + std::to_string(payload.size()) + " bytes is too large for the JSON parser");
  }
  JsonDocument document;
  document.payload_ = payload.data();
  // Realistic payloads hold a node per 6 to 8 bytes; one allocation covers most of them. A
  // document that keeps only the outer levels grows as it needs.
  if (kept_depth == kAnyDepth) document.nodes_.reserve(payload.size() / 6 + 1);
  switch (JsonParser(document, payload, max_depth, kept_depth).parse()) {
    case JsonParser::Outcome::kParsed: return document;
    case JsonParser::Outcome::kMalformed: break;
    case JsonParser::Outcome::kTooDeep:
      return invalid("", "payload nests arrays and objects more than " + std::to_string(max_depth) + " levels deep");
  }
  return invalid("", "payload is not well-formed JSON in UTF-8");
}

bool JsonValue::boolean() const {
  assert(kind() == Kind::kBoolean);
  return document_->nodes_[index_].boolean;
}

std::uint64_t JsonValue::unsigned_integer() const {
  assert(kind() == Kind::kUnsigned);
  return document_->nodes_[index_].unsigned_integer;
}

std::int64_t JsonValue::signed_integer() const {
  assert(kind() == Kind::kSigned);
  return document_->nodes_[index_].signed_integer;
}

double JsonValue::floating() const {
  assert(kind() == Kind::kFloat);
  return document_->nodes_[index_].floating;
}

std::string_view JsonValue::string() const {
  assert(kind() == Kind::kString);
  const JsonDocument::Node& node = document_->nodes_[index_];
  return {node.text, node.length};
}

std::size_t JsonValue::size() const {
  assert(kind() == Kind::kArray || kind() == Kind::kObject);
  return document_->nodes_[index_].length;
}

std::string_view JsonValue::source() const {
  const JsonDocument::Node& node = document_->nodes_[index_];
  return {document_->payload_ + node.source_begin, node.source_end - node.source_begin};
}

std::optional<JsonValue> JsonValue::find(std::string_view key) const {
  if (kind() != Kind::kObject) return std::nullopt;
  if ((document_->nodes_[index_].key_bits & JsonDocument::key_bit(key)) == 0) return std::nullopt;
  std::optional<JsonValue> found;
  for_each_member([&](std::string_view name, JsonValue value) {
    // The first byte settles most mismatches of equal length without a call to memcmp.
    if (name.size() == key.size() && (key.empty() || name[0] == key[0]) && name == key) found = value;
    return true;
  });
  return found;
}

}  // namespace recount::protocol
