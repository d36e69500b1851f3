// Events and event batches: their encoding, their strict decoding, and drafts for the journal.
#include <optional>
#include <string>
#include <utility>

#include "shared/core/random_id.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/codec_common.hpp"

namespace recount::protocol {
namespace {

using codec::counter;
using codec::kMaxCounter;

// Whether an event is read whole or as a draft without the fields its journal assigns.
enum class EventForm { kRecorded, kDraft };

// Reads an event's fields by type only: every rule on their values is validate()'s, so the codec
// and the journal cannot disagree on what a valid event is.
Result<Event> read_event(JsonReader& in, EventForm form = EventForm::kRecorded) {
  Event event;
  if (form == EventForm::kRecorded) {
    event.seq = in.integer<std::uint64_t>("seq", 0, kMaxCounter);
    event.event_id = in.text("event_id", Presence::kRequired);
  }
  event.type = in.choice("type", Presence::kRequired, parse_event_type).value_or(EventType::kCount);
  if (form == EventForm::kRecorded) {
    event.wall_ms = in.integer<std::int64_t>("wall_ms");
    event.hlc = HlcStamp{in.integer<std::uint64_t>("hlc")};
  }
  event.user = in.text("user", Presence::kOptional);
  event.location = in.text("location", Presence::kOptional);
  event.to_location = in.text("to", Presence::kOptional);
  event.sku = in.text("sku", Presence::kOptional);
  event.lot = in.text("lot", Presence::kOptional);
  event.expiry = in.text("expiry", Presence::kOptional);
  event.serial = in.text("serial", Presence::kOptional);
  event.qty = in.integer<std::int64_t>("qty");
  event.reason = in.choice("reason", Presence::kOptional, parse_reason_code);
  event.reference = in.text("ref", Presence::kOptional);
  event.session = in.text("session", Presence::kOptional);
  event.task_id = in.text("task_id", Presence::kOptional);
  event.barcode = in.text("barcode", Presence::kOptional);
  event.system = in.text("system", Presence::kOptional);
  if (!in.ok()) return in.error();
  const EventStage stage = form == EventForm::kRecorded ? EventStage::kRecorded : EventStage::kDraft;
  if (auto valid = validate(event, stage); !valid) return valid.error().within(in.path());
  return event;
}

// The first pass over a batch: each element must be an object with a readable seq, and the seqs
// must count up by one, or the hub could not say which seqs the payload covered.
void read_seqs(JsonReader& in, JsonValue events, DecodedBatch& decoded) {
  std::size_t i = 0;
  events.for_each_element([&](JsonValue object) {
    JsonReader element = in.at("events", i, object);
    if (!in.ok()) return false;
    const std::uint64_t seq = counter(element, "seq", 1);
    if (i == 0) decoded.first_seq = seq;
    if (element.ok() && seq != decoded.first_seq + i) {
      element.fail("seq", "must be " + std::to_string(decoded.first_seq + i) + ": seqs in a batch are consecutive");
    }
    if (!element.ok()) {
      in.fail(element.error());
      return false;
    }
    decoded.last_seq = seq;
    ++i;
    return true;
  });
}

RejectedEvent reject(JsonValue object, std::uint64_t seq, Error error) {
  RejectedEvent rejected{seq, {}, std::move(error)};
  if (const auto id = object.find("event_id"); id && id->is_string() && is_uuid(std::string(id->string()))) {
    rejected.event_id = id->string();
  }
  return rejected;
}

DecodedBatch read_batch(JsonReader& in) {
  DecodedBatch decoded;
  decoded.batch.site = in.identifier("site");
  decoded.batch.device = in.identifier("device");
  decoded.batch.epoch = in.epoch("epoch", Presence::kRequired);
  const std::optional<JsonValue> events = in.list("events", limits::kMaxBatchEvents);
  if (!events) return decoded;
  if (events->size() == 0) {
    in.fail("events", "must hold at least one event");
    return decoded;
  }
  read_seqs(in, *events, decoded);
  if (!in.ok()) return decoded;
  decoded.batch.events.reserve(events->size());
  std::size_t i = 0;
  events->for_each_element([&](JsonValue object) {
    const std::uint64_t seq = decoded.first_seq + i;
    JsonReader element = in.at("events", i++, object);
    auto event = read_event(element);
    if (!event) {
      decoded.rejected.push_back(reject(object, seq, event.error()));
    } else if (!device_may_record(event->type)) {
      decoded.rejected.push_back(
          reject(object, seq,
                 invalid("type", "is recorded only by the hub's imports, never by a device").within(element.path())));
    } else {
      decoded.batch.events.push_back(std::move(*event));
    }
    return true;
  });
  return decoded;
}

void write_event(JsonWriter& out, const Event& event) {
  out.field("seq", event.seq);
  out.field("event_id", event.event_id);
  out.field("type", to_string(event.type));
  out.field("wall_ms", event.wall_ms);
  out.field("hlc", event.hlc.packed);
  out.optional("user", event.user);
  out.optional("location", event.location);
  out.optional("to", event.to_location);
  out.optional("sku", event.sku);
  out.optional("lot", event.lot);
  out.optional("expiry", event.expiry);
  out.optional("serial", event.serial);
  out.field("qty", event.qty);
  if (event.reason) out.field("reason", to_string(*event.reason));
  out.optional("ref", event.reference);
  out.optional("session", event.session);
  out.optional("task_id", event.task_id);
  out.optional("barcode", event.barcode);
  out.optional("system", event.system);
}

}  // namespace

std::string encode(const EventBatch& batch) {
  // Realistic events take about 200 bytes; a larger one costs one more allocation.
  JsonWriter out = codec::message_writer(128 + 256 * batch.events.size());
  out.field("site", batch.site);
  out.field("device", batch.device);
  out.field("epoch", batch.epoch);
  out.objects("events", batch.events, write_event);
  return codec::finish_message(out);
}

std::string encode_event(const Event& event) {
  JsonWriter out = codec::message_writer();
  write_event(out, event);
  return codec::finish_message(out);
}

Result<DecodedBatch> decode_event_batch(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, read_batch);
}

Result<Event> decode_event(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    auto event = read_event(in);
    if (!event) {
      in.fail(event.error());
      return Event{};
    }
    return std::move(*event);
  });
}

Result<Event> decode_draft_event(std::string_view text) {
  const Result<JsonDocument> document = codec::parse_object(text, limits::kMaxPayloadBytes);
  if (!document) return document.error();
  JsonReader in(document->root());
  return read_event(in, EventForm::kDraft);
}

}  // namespace recount::protocol
