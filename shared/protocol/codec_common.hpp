// What the codec's files share (codec.cpp, event_codec.cpp, catalog_codec.cpp): the envelope every
// message has ("v" first, the size and depth limits) and the ranges of counters and times. Private
// to shared/protocol; the rest of the code uses codec.hpp.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "shared/core/result.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/json_document.hpp"
#include "shared/protocol/json_reader.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::protocol::codec {

// Sequence numbers, acks, backlogs and versions are stored in signed 64-bit SQL columns.
inline constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kMaxUnixMs = std::numeric_limits<std::int64_t>::max();

// Parses a payload of at most max_bytes that must be a JSON object, keeping the levels
// JsonDocument::parse's kept_depth says. Errors (field empty): too large, not JSON, nested deeper
// than limits::kMaxJsonDepth, not an object.
Result<JsonDocument> parse_object(std::string_view payload, std::size_t max_bytes,
                                  std::size_t kept_depth = JsonDocument::kAnyDepth);

// Whether `root` carries "v": limits::kProtocolVersion. Errors: kInvalidInput when "v" is
// absent or not an integer, kUnsupportedVersion for any other integer.
Result<void> check_version(JsonValue root);

// Parses a payload of at most max_bytes, checks that it is an object of our protocol version,
// and reads it with read(JsonReader&) -> T.
template <typename Read>
auto decode_payload(std::string_view payload, std::size_t max_bytes, Read read)
    -> Result<decltype(read(std::declval<JsonReader&>()))> {
  const Result<JsonDocument> document = parse_object(payload, max_bytes);
  if (!document) return document.error();
  if (auto version = check_version(document->root()); !version) return version.error();
  JsonReader in(document->root());
  auto value = read(in);
  return in.finish(std::move(value));
}

inline std::int64_t unix_ms(JsonReader& in, std::string_view key) {
  return in.integer<std::int64_t>(key, 1, kMaxUnixMs);
}

inline std::uint64_t counter(JsonReader& in, std::string_view key, std::uint64_t minimum = 0) {
  return in.integer<std::uint64_t>(key, minimum, kMaxCounter);
}

// A writer with the message's object open and "v" written, so the output reads in the order
// docs/protocol.md lists the fields. `expected_bytes`: room to reserve.
inline JsonWriter message_writer(std::size_t expected_bytes = 256) {
  JsonWriter out(expected_bytes);
  out.begin_object();
  out.field("v", limits::kProtocolVersion);
  return out;
}

// The message message_writer() began; the writer is spent.
inline std::string finish_message(JsonWriter& out) {
  out.end_object();
  return std::move(out).finish();
}

}  // namespace recount::protocol::codec
