// Typed, non-throwing reads of the members of a parsed JSON object (json_document.hpp), with
// errors that name the offending field as a path from the document's root ("events[2].qty").
// The protocol's decoders read every message with it, and the hub's policy parser its document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/protocol/json_document.hpp"

namespace recount::protocol {

// What a reader does with members that no read asked for: the protocol ignores them (newer
// senders may add members); a configuration document refuses them (a misspelt member would
// otherwise be silently without effect).
enum class UnknownMembers { kIgnore, kRefuse };

// Reads the members of one JSON object. The first error sticks: later reads return defaults and
// change nothing, so a decoder is a flat list of reads followed by finish(). Every error is
// kInvalidInput and names its field as a path from the root ("tasks[2].round"). Readers of
// nested objects and elements refer to their parent, which must outlive them; the document must
// outlive every reader. Not thread-safe. With UnknownMembers::kIgnore a reader allocates nothing
// unless there is an error.
class JsonReader {
 public:
  explicit JsonReader(JsonValue object, UnknownMembers unknown = UnknownMembers::kIgnore)
      : object_(object), unknown_(unknown) {}

  bool ok() const { return !error_; }
  const Error& error() const { return *error_; }

  void fail(Error error) {
    if (!error_) error_ = std::move(error);
  }
  // Fails at the member `key` of this object ("" for the object itself).
  void fail(std::string_view key, std::string message) {
    fail(invalid(std::string(key), std::move(message)).within(path()));
  }

  // `value`, or the first error; with UnknownMembers::kRefuse, also a member that no read asked
  // for ("is not a member of this object").
  template <typename T>
  Result<T> finish(T value) {
    refuse_unread_members();
    if (error_) return *error_;
    return value;
  }

  // The member `key`; nullopt when absent (failing with "is required" when it is required) or
  // after an error. For reads of a kind this class does not offer.
  std::optional<JsonValue> find(std::string_view key, Presence presence) {
    if (!ok()) return std::nullopt;
    if (unknown_ == UnknownMembers::kRefuse) read_.push_back(key);
    const std::optional<JsonValue> value = object_.find(key);
    if (!value && presence == Presence::kRequired) fail(key, "is required");
    return value;
  }

  // Any string; emptiness and format are the caller's concern. "" when absent and optional.
  std::string text(std::string_view key, Presence presence);

  // A code of at most max_length bytes (see validate_code).
  std::string code(std::string_view key, std::size_t max_length, Presence presence);

  // A site or device identifier (see validate_identifier).
  std::string identifier(std::string_view key);

  // A journal epoch: 16 lowercase hex digits. "" when absent and optional.
  std::string epoch(std::string_view key, Presence presence);

  // A JSON integer within [minimum, maximum]. Floats (even 1.0), booleans and integers too large
  // for 64 bits (which the parser turns into floats) are refused.
  template <typename Int>
  Int integer(std::string_view key, Int minimum = std::numeric_limits<Int>::min(),
              Int maximum = std::numeric_limits<Int>::max()) {
    const std::optional<JsonValue> value = find(key, Presence::kRequired);
    if (!value) return minimum;
    if (!value->is_integer()) {
      fail(key, "must be an integer");
      return minimum;
    }
    // The parser keeps non-negative integers as uint64 and negative ones as int64.
    const bool is_unsigned = value->kind() == JsonValue::Kind::kUnsigned;
    const bool in_range = is_unsigned ? in_bounds(value->unsigned_integer(), minimum, maximum)
                                      : in_bounds(value->signed_integer(), minimum, maximum);
    if (!in_range) {
      fail(key, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum));
      return minimum;
    }
    return is_unsigned ? static_cast<Int>(value->unsigned_integer()) : static_cast<Int>(value->signed_integer());
  }

  // One of the names `parse` knows; nullopt when absent and optional, or on error.
  template <typename Parse>
  auto choice(std::string_view key, Presence presence, Parse parse) -> decltype(parse(std::string_view())) {
    const std::string name = text(key, presence);
    if (!ok() || (name.empty() && presence == Presence::kOptional)) return std::nullopt;
    auto value = parse(name);
    if (!value) fail(key, "is not one of the values docs/protocol.md lists");
    return value;
  }

  // The array at `key` with at most max_count elements, or nullopt after an error or when it is
  // absent and optional.
  std::optional<JsonValue> list(std::string_view key, std::size_t max_count, Presence presence = Presence::kRequired);

  // Reads the object at `key` with read(JsonReader&) -> T through a reader of the same
  // UnknownMembers; nullopt when it is absent and optional, or on error (which this reader takes).
  template <typename Read>
  auto object(std::string_view key, Presence presence, Read read)
      -> std::optional<decltype(read(std::declval<JsonReader&>()))> {
    const std::optional<JsonValue> value = find(key, presence);
    if (!value) return std::nullopt;
    if (!value->is_object()) {
      fail(key, "must be an object");
      return std::nullopt;
    }
    JsonReader member(*value, this, key, kNoIndex);
    auto out = read(member);
    if (!member.adopt_into(*this)) return std::nullopt;
    return out;
  }

  // Reads every element of the array at `key` as an object with read_element(JsonReader&) -> T.
  // An absent optional array reads as empty.
  template <typename ReadElement>
  auto objects(std::string_view key, ReadElement read_element,
               std::size_t max_count = std::numeric_limits<std::size_t>::max(),
               Presence presence = Presence::kRequired) {
    std::vector<decltype(read_element(std::declval<JsonReader&>()))> out;
    const std::optional<JsonValue> array = list(key, max_count, presence);
    if (!array) return out;
    out.reserve(array->size());
    std::size_t i = 0;
    array->for_each_element([&](JsonValue value) {
      JsonReader element = at(key, i++, value);
      if (!ok()) return false;
      out.push_back(read_element(element));
      return element.adopt_into(*this);
    });
    return out;
  }

  // A reader for element i of the array at `key`. Fails this reader unless the element is an
  // object; check ok() before reading through the element's reader.
  JsonReader at(std::string_view key, std::size_t i, JsonValue element) {
    if (!element.is_object()) fail(element_name(key, i), "must be an object");
    return JsonReader(element, this, key, i);
  }

  // The path from the document's root to this reader's object ("" at the root).
  std::string path() const;

  // Fails at `key` when `value` is one the document already used where ids must be unique.
  void distinct(std::string_view key, const std::string& value, std::unordered_set<std::string>& seen) {
    if (ok() && !seen.insert(value).second) fail(key, "repeats an earlier element's value");
  }

 private:
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);

  // Paths are spelled only when an error needs one: most documents have none.
  JsonReader(JsonValue object, const JsonReader* parent, std::string_view key, std::size_t index)
      : object_(object), unknown_(parent->unknown_), parent_(parent), key_(key), index_(index) {}

  static std::string element_name(std::string_view key, std::size_t i) {
    return std::string(key) + "[" + std::to_string(i) + "]";
  }

  template <typename From, typename Int>
  static bool in_bounds(From value, Int minimum, Int maximum) {
    return std::cmp_greater_equal(value, minimum) && std::cmp_less_equal(value, maximum);
  }

  // With UnknownMembers::kRefuse, fails at the first member no read asked for.
  void refuse_unread_members();

  // Ends a nested reader: its first error, if any, becomes `parent`'s. Whether all went well.
  bool adopt_into(JsonReader& parent) {
    refuse_unread_members();
    if (error_) parent.fail(std::move(*error_));
    return parent.ok();
  }

  JsonValue object_;
  UnknownMembers unknown_;
  const JsonReader* parent_ = nullptr;  // with key_ and index_: where this object stands in it
  std::string_view key_;
  std::size_t index_ = kNoIndex;
  std::vector<std::string_view> read_;  // the members asked for, with UnknownMembers::kRefuse
  std::optional<Error> error_;
};

}  // namespace recount::protocol
