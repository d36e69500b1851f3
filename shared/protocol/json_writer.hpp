// A compact JSON writer: the protocol's encoders write their messages with it, and documents that
// carry already-encoded JSON (the hub's API shows messages in their wire form) embed it verbatim.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/protocol/json_document.hpp"

namespace recount::protocol {

// Writes one JSON value as compact text straight into a string, object members in the order
// written. Strings are escaped as nlohmann's dump() escapes them: the short escapes, \u00XX for
// other control characters, UTF-8 as is; bytes that are not UTF-8 become U+FFFD, as with its
// error_handler_t::replace, so writing never fails. The caller keeps the structure well formed:
// each begin_ has its end_, and inside an object every value follows its key(); the writer puts
// the commas. Not thread-safe; one writer per document.
class JsonWriter {
 public:
  // `expected_bytes`: room to reserve, so that a large document is not copied as it grows.
  explicit JsonWriter(std::size_t expected_bytes = 256) { out_.reserve(expected_bytes); }

  void begin_object() { open('{'); }
  void end_object() { out_ += '}'; }
  void begin_array() { open('['); }
  void end_array() { out_ += ']'; }

  // The name of the next member of the open object.
  void key(std::string_view name) {
    separate();
    put_string(name);
    out_ += ':';
  }

  void string(std::string_view text) {
    separate();
    put_string(text);
  }
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void integer(Int value) {
    separate();
    put_integer(value);
  }
  // The shortest text that reads back as the same double (std::to_chars), with ".0" when it would
  // read as an integer, as nlohmann keeps a double a double; null for infinities and NaN, which
  // JSON cannot express.
  void number(double value);
  void boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
  }
  void null() {
    separate();
    out_ += "null";
  }
  // The value, or null when there is none (so that a reader can tell "none" from 0 or "").
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void integer_or_null(const std::optional<Int>& value) {
    if (value) {
      integer(*value);
    } else {
      null();
    }
  }
  void string_or_null(const std::optional<std::string_view>& value) {
    if (value) {
      string(*value);
    } else {
      null();
    }
  }

  // Embeds `json`, which must be one valid JSON value (the caller's guarantee: text this writer or
  // a protocol encoder produced, or a value of a parsed JsonDocument), byte for byte.
  void raw(std::string_view json) {
    separate();
    out_ += json;
  }
  // Embeds the members of `object` (an object of a parsed document) verbatim into the open
  // object, except those named in `except`, in the order they have there.
  void members(JsonValue object, std::initializer_list<std::string_view> except = {});

  // Shorthands for one member: key(name), then the value.
  void field(std::string_view name, std::string_view value) {
    key(name);
    put_string(value);
  }
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void field(std::string_view name, Int value) {
    key(name);
    put_integer(value);
  }
  // A string member that is omitted when empty, as docs/protocol.md specifies optional strings.
  void optional(std::string_view name, std::string_view value) {
    if (!value.empty()) field(name, value);
  }
  // An array of objects at `name`, each object's members written by write(JsonWriter&, const T&).
  template <typename T, typename Write>
  void objects(std::string_view name, const std::vector<T>& values, Write write) {
    key(name);
    out_ += '[';
    for (const T& value : values) {
      begin_object();
      write(*this, value);
      end_object();
    }
    out_ += ']';
  }

  // The text written so far.
  std::string_view text() const { return out_; }
  // The document; the writer is spent.
  std::string finish() && { return std::move(out_); }

 private:
  // A comma before every member or element but the first of its object or array.
  void separate() {
    if (!out_.empty() && out_.back() != '{' && out_.back() != '[' && out_.back() != ':') out_ += ',';
  }

  void open(char bracket) {
    separate();
    out_ += bracket;
  }

  template <std::integral Int>
  void put_integer(Int value) {
    char digits[24];
    const auto written = std::to_chars(std::begin(digits), std::end(digits), value);
    out_.append(digits, written.ptr);
  }

  void put_string(std::string_view text);
  void escape(unsigned char c);

  std::string out_;
};

}  // namespace recount::protocol
