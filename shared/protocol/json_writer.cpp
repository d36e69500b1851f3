// The JSON writer's string escaping, numbers and verbatim members.
#include "shared/protocol/json_writer.hpp"

#include <algorithm>
#include <cmath>

#include "shared/protocol/utf8.hpp"

namespace recount::protocol {

void JsonWriter::number(double value) {
  separate();
  if (!std::isfinite(value)) {
    out_ += "null";
    return;
  }
  char digits[32];
  const auto written = std::to_chars(std::begin(digits), std::end(digits), value);
  const std::string_view text(digits, static_cast<std::size_t>(written.ptr - digits));
  out_ += text;
  if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
}

void JsonWriter::members(JsonValue object, std::initializer_list<std::string_view> except) {
  object.for_each_member([&](std::string_view name, JsonValue value) {
    if (std::find(except.begin(), except.end(), name) == except.end()) {
      key(name);
      out_ += value.source();
    }
    return true;
  });
}

void JsonWriter::put_string(std::string_view text) {
  out_ += '"';
  const auto* at = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = at + text.size();
  while (at != end) {
    const auto* const plain = at;
    while (at != end && *at >= 0x20 && *at < 0x80 && *at != '"' && *at != '\\') ++at;
    out_.append(plain, at);
    if (at == end) break;
    if (*at >= 0x80) {
      const Utf8Sequence sequence = utf8_sequence(at, end);
      if (sequence.valid) {
        out_.append(at, at + sequence.length);
      } else {
        out_ += "\xEF\xBF\xBD";
      }
      // A byte that breaks a sequence may start the next one, so it is read again.
      at += std::max<std::size_t>(sequence.length, 1);
      continue;
    }
    escape(*at++);
  }
  out_ += '"';
}

void JsonWriter::escape(unsigned char c) {
  switch (c) {
    case '"': out_ += "\\\""; return;
    case '\\': out_ += "\\\\"; return;
    case '\b': out_ += "\\b"; return;
    case '\f': out_ += "\\f"; return;
    case '\n': out_ += "\\n"; return;
    case '\r': out_ += "\\r"; return;
    case '\t': out_ += "\\t"; return;
    default: {
      constexpr std::string_view kHex = "0123456789abcdef";
      out_ += "\\u00";
      out_ += kHex[c >> 4];
      out_ += kHex[c & 0xF];
    }
  }
}

}  // namespace recount::protocol
