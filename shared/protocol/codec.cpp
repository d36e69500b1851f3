// JSON encoding and strict, non-throwing decoding of the sync protocol's messages (docs/protocol.md):
// the envelope every message shares, and the session messages (hello, ack, nack, status). Events
// are in event_codec.cpp, task lists and catalogs in catalog_codec.cpp.
#include "shared/protocol/codec.hpp"

#include <optional>
#include <string>

#include "shared/core/random_id.hpp"
#include "shared/protocol/codec_common.hpp"

namespace recount::protocol {

namespace codec {

Result<JsonDocument> parse_object(std::string_view payload, std::size_t max_bytes, std::size_t kept_depth) {
  if (payload.size() > max_bytes) {
    return invalid("", "payload of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                           std::to_string(max_bytes));
  }
  Result<JsonDocument> document = JsonDocument::parse(payload, limits::kMaxJsonDepth, kept_depth);
  if (!document) return document.error();
  if (!document->root().is_object()) return invalid("", "payload must be a JSON object");
  return document;
}

Result<void> check_version(JsonValue root) {
  // Any integer other than ours is a version we do not speak, however large: no range check.
  const std::optional<JsonValue> version = root.find("v");
  if (!version) return invalid("v", "is required");
  if (!version->is_integer()) return invalid("v", "must be an integer");
  const bool is_unsigned = version->kind() == JsonValue::Kind::kUnsigned;
  if (!is_unsigned || version->unsigned_integer() != static_cast<std::uint64_t>(limits::kProtocolVersion)) {
    const std::string number =
        is_unsigned ? std::to_string(version->unsigned_integer()) : std::to_string(version->signed_integer());
    return Error{ErrorCode::kUnsupportedVersion, "v",
                 "protocol version " + number + " is not supported (this build speaks " +
                     std::to_string(limits::kProtocolVersion) + ")"};
  }
  return {};
}

}  // namespace codec

namespace {

using codec::counter;
using codec::unix_ms;

std::string_view state_name(DeviceState state) { return state == DeviceState::kOnline ? "online" : "offline"; }

std::optional<DeviceState> parse_device_state(std::string_view text) {
  if (text == "online") return DeviceState::kOnline;
  if (text == "offline") return DeviceState::kOffline;
  return std::nullopt;
}

NackEntry read_nack_entry(JsonReader& in) {
  NackEntry entry;
  entry.seq = counter(in, "seq", 1);
  entry.event_id = in.text("event_id", Presence::kOptional);
  if (in.ok() && !entry.event_id.empty() && !is_uuid(entry.event_id)) in.fail("event_id", "must be a lowercase UUID");
  entry.field = in.code("field", limits::kMaxReference, Presence::kOptional);
  entry.reason = in.code("reason", limits::kMaxText, Presence::kRequired);
  return entry;
}

}  // namespace

std::string encode(const Hello& hello) {
  JsonWriter out = codec::message_writer();
  out.field("site", hello.site);
  out.field("device", hello.device);
  out.field("epoch", hello.epoch);
  out.field("last_seq", hello.last_seq);
  out.field("acked_through", hello.acked_through);
  out.field("wall_ms", hello.wall_ms);
  out.field("hlc", hello.hlc.packed);
  out.optional("agent_version", hello.agent_version);
  if (hello.pruned_through > 0) out.field("pruned_through", hello.pruned_through);
  return codec::finish_message(out);
}

std::string encode(const Ack& ack) {
  JsonWriter out = codec::message_writer();
  out.field("device", ack.device);
  out.field("epoch", ack.epoch);
  out.field("acked_through", ack.acked_through);
  out.field("hub_wall_ms", ack.hub_wall_ms);
  out.field("hub_hlc", ack.hub_hlc.packed);
  return codec::finish_message(out);
}

std::string encode(const Nack& nack) {
  JsonWriter out = codec::message_writer();
  out.field("device", nack.device);
  out.optional("epoch", nack.epoch);
  out.objects("rejected", nack.rejected, [](JsonWriter& element, const NackEntry& entry) {
    element.field("seq", entry.seq);
    element.optional("event_id", entry.event_id);
    element.optional("field", entry.field);
    element.field("reason", entry.reason);
  });
  out.optional("payload_error", nack.payload_error);
  return codec::finish_message(out);
}

std::string encode(const Status& status) {
  JsonWriter out = codec::message_writer();
  out.field("device", status.device);
  out.field("state", state_name(status.state));
  out.field("backlog", status.backlog);
  out.field("acked_through", status.acked_through);
  out.field("skew_ms", status.skew_ms);
  out.field("wall_ms", status.wall_ms);
  return codec::finish_message(out);
}

Result<Hello> decode_hello(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    Hello hello;
    hello.site = in.identifier("site");
    hello.device = in.identifier("device");
    hello.epoch = in.epoch("epoch", Presence::kRequired);
    hello.last_seq = counter(in, "last_seq");
    hello.acked_through = counter(in, "acked_through");
    if (in.ok() && hello.acked_through > hello.last_seq) in.fail("acked_through", "must not exceed last_seq");
    hello.wall_ms = unix_ms(in, "wall_ms");
    hello.hlc = HlcStamp{in.integer<std::uint64_t>("hlc")};
    hello.agent_version = in.code("agent_version", limits::kMaxCode, Presence::kOptional);
    if (in.find("pruned_through", Presence::kOptional)) hello.pruned_through = counter(in, "pruned_through");
    if (in.ok() && hello.pruned_through > hello.acked_through) {
      in.fail("pruned_through", "must not exceed acked_through");
    }
    return hello;
  });
}

Result<Ack> decode_ack(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    Ack ack;
    ack.device = in.identifier("device");
    ack.epoch = in.epoch("epoch", Presence::kRequired);
    ack.acked_through = counter(in, "acked_through");
    ack.hub_wall_ms = unix_ms(in, "hub_wall_ms");
    ack.hub_hlc = HlcStamp{in.integer<std::uint64_t>("hub_hlc")};
    return ack;
  });
}

Result<Nack> decode_nack(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    Nack nack;
    nack.device = in.identifier("device");
    nack.epoch = in.epoch("epoch", Presence::kOptional);
    nack.rejected = in.objects("rejected", read_nack_entry, limits::kMaxBatchEvents);
    nack.payload_error = in.code("payload_error", limits::kMaxText, Presence::kOptional);
    if (in.ok() && nack.rejected.empty() && nack.payload_error.empty()) {
      in.fail("rejected", "must name a rejected event when there is no payload_error");
    }
    return nack;
  });
}

Result<Status> decode_status(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    Status status;
    status.device = in.identifier("device");
    status.state = in.choice("state", Presence::kRequired, parse_device_state).value_or(DeviceState::kOffline);
    status.backlog = counter(in, "backlog");
    status.acked_through = counter(in, "acked_through");
    status.skew_ms = in.integer<std::int64_t>("skew_ms");
    // 0: not known. A last will is composed before the broker publishes it, at a time nobody knows.
    status.wall_ms = in.integer<std::int64_t>("wall_ms", 0);
    return status;
  });
}

}  // namespace recount::protocol
