// A strict, non-throwing JSON parser for the protocol decoders: a flat, read-only tree over the
// payload's own bytes, accepting exactly what nlohmann::json::parse accepts, without its DOM's
// allocations.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::protocol {

class JsonDocument;

// One value of a JsonDocument. A handle: cheap to copy, valid while its document lives. Accessors
// other than kind() and the is_ checks require the matching kind (checked in debug builds only).
class JsonValue {
 public:
  // Numbers as nlohmann::json keeps them: non-negative integers that fit 64 bits are kUnsigned,
  // negative ones (-0 too) that fit are kSigned, everything else (fractions, exponents, integers
  // too large) is kFloat.
  enum class Kind : std::uint8_t { kNull, kBoolean, kUnsigned, kSigned, kFloat, kString, kArray, kObject };

  Kind kind() const;
  bool is_object() const { return kind() == Kind::kObject; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_integer() const { return kind() == Kind::kUnsigned || kind() == Kind::kSigned; }

  bool boolean() const;
  std::uint64_t unsigned_integer() const;
  std::int64_t signed_integer() const;
  double floating() const;
  // The unescaped UTF-8 text; a view into the payload or the document.
  std::string_view string() const;

  // Elements of an array or members of an object.
  std::size_t size() const;

  // The value's own text in the payload, exactly as sent (a string with its quotes, a container
  // with everything inside it), without the whitespace around it. A view into the payload. Not
  // for object keys, which are not values.
  std::string_view source() const;

  // The value of the member named `key`; nullopt when there is none. When a key repeats, the last
  // member counts (as in nlohmann::json). A scan of the members (skipped for most absent keys): the
  // decoders look up a fixed set of keys per object, so decoding stays linear in the payload
  // however many members it has.
  std::optional<JsonValue> find(std::string_view key) const;

  // Visits each element of an array in order, with visit(JsonValue) -> bool; false stops.
  template <typename Visit>
  void for_each_element(Visit visit) const;
  // Visits each member of an object in order (repeated keys each time), with
  // visit(std::string_view key, JsonValue value) -> bool; false stops.
  template <typename Visit>
  void for_each_member(Visit visit) const;

 private:
  friend class JsonDocument;
  JsonValue(const JsonDocument& document, std::uint32_t index) : document_(&document), index_(index) {}

  std::uint32_t end() const;  // the index after this value's subtree

  const JsonDocument* document_;
  std::uint32_t index_;
};

// A parsed payload. Holds views into the payload, which must outlive the document. Not copyable;
// movable, but values point at the object they came from, so take them after the last move.
// Thread-safe for concurrent reads.
class JsonDocument {
 public:
  // No limit on nesting: what nlohmann::json::accept accepts, however deep.
  static constexpr std::size_t kAnyDepth = static_cast<std::size_t>(-1);

  // Parses `payload` as one JSON value (RFC 8259: UTF-8 only, an optional leading byte-order mark,
  // surrounding whitespace; as in nlohmann, a NUL byte after the value ends the input). Errors
  // (kInvalidInput, field empty: the payload as a whole): whatever nlohmann::json::accept would
  // refuse (malformed syntax, invalid UTF-8 or an unpaired surrogate escape in a string, a number
  // too large for a double); arrays and objects nested more than `max_depth` deep, refused as
  // soon as the parser reaches the level past it; payloads of 4 GiB or more. Parses iteratively:
  // deep nesting costs heap, never stack. Does not throw beyond std::bad_alloc.
  //
  // `kept_depth` bounds what the document holds, not what is checked: values nested deeper than
  // kept_depth levels (the root is at level 0, its elements or members at 1) are parsed and
  // checked as all others, but get no node, so a large payload can be read a part at a time. A
  // container at level kept_depth has its kind(), size() and source(), and nothing inside it:
  // for_each_element() and for_each_member() visit nothing, find() finds nothing; read it by
  // parsing its source() as a document of its own.
  static Result<JsonDocument> parse(std::string_view payload, std::size_t max_depth = kAnyDepth,
                                    std::size_t kept_depth = kAnyDepth);

  JsonDocument(JsonDocument&&) noexcept = default;
  JsonDocument& operator=(JsonDocument&&) noexcept = default;

  JsonValue root() const { return JsonValue(*this, 0); }

 private:
  friend class JsonValue;
  friend class JsonParser;

  // A value in document order: a container is followed by its elements, an object's members by
  // a string node for the key and then the value's nodes.
  struct Node {
    JsonValue::Kind kind;
    std::uint32_t length;  // string bytes, array elements or object members
    std::uint32_t end;     // the index after this node's subtree
    // The value's bytes in the payload: [source_begin, source_end). Not set for keys.
    std::uint32_t source_begin;
    std::uint32_t source_end;
    union {
      bool boolean;
      std::uint64_t unsigned_integer;
      std::int64_t signed_integer;
      double floating;
      const char* text;
      std::uint64_t key_bits;  // an object's: the union of key_bit() of its keys
    };
  };

  // One of 64 bits for a key, so that find() can tell most absent keys without a scan (decoders
  // ask for every optional member, and most are absent).
  static std::uint64_t key_bit(std::string_view key) {
    return key.empty() ? 1
                       : std::uint64_t{1} << ((key.size() * 7 + static_cast<unsigned char>(key.front()) +
                                               static_cast<unsigned char>(key.back())) &
                                              63);
  }

  JsonDocument() = default;

  const char* payload_ = nullptr;
  std::vector<Node> nodes_;
  // Strings with escapes, unescaped, back to back. Allocated at the first escape with the
  // payload's size, which bounds them; on the heap, so nodes' pointers survive a move.
  std::unique_ptr<char[]> unescaped_;
};

inline JsonValue::Kind JsonValue::kind() const { return document_->nodes_[index_].kind; }
inline std::uint32_t JsonValue::end() const { return document_->nodes_[index_].end; }

template <typename Visit>
void JsonValue::for_each_element(Visit visit) const {
  for (std::uint32_t at = index_ + 1; at < end(); at = document_->nodes_[at].end) {
    if (!visit(JsonValue(*document_, at))) return;
  }
}

template <typename Visit>
void JsonValue::for_each_member(Visit visit) const {
  for (std::uint32_t at = index_ + 1; at < end(); at = document_->nodes_[at + 1].end) {
    if (!visit(JsonValue(*document_, at).string(), JsonValue(*document_, at + 1))) return;
  }
}

}  // namespace recount::protocol
