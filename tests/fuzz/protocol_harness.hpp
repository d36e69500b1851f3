// The checks of protocol_fuzz, shared with its corpus's regression test in the normal build: every
// input goes to every decoder of the protocol codec. Whatever decodes must encode and decode again
// to an equal value, and the codec's JSON parser must accept exactly what nlohmann::json accepts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <nlohmann/json.hpp>

#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/protocol/json_document.hpp"

namespace recount::fuzz {

// Encodes a decoded value with `encode` and decodes it again with `decode`: "" when the value
// survives, else what broke.
template <typename T, typename Encode, typename Decode>
std::string round_trip_problem(const T& value, Encode encode, Decode decode) {
  const std::string encoded = encode(value);
  const auto again = decode(encoded);
  if (!again) return "re-decoding our own encoding failed: " + again.error().describe() + " in " + encoded;
  if (!(*again == value)) return "the round trip changed the value: " + encoded;
  return {};
}

template <typename T, typename Decode>
std::string message_problem(std::string_view input, Decode decode) {
  const auto decoded = decode(input);
  if (!decoded) return {};
  return round_trip_problem(
      *decoded, [](const T& value) { return protocol::encode(value); }, decode);
}

// nlohmann::json is the oracle JsonDocument was written against (tests/shared/protocol/json_document_test.cpp).
// A document keeping only its outer levels (a catalog chunk's reading keeps two) must accept
// exactly the same.
inline std::string json_problem(std::string_view input) {
  using protocol::JsonDocument;
  const bool accepted = nlohmann::json::accept(input);
  if (JsonDocument::parse(input).has_value() != accepted) return "JsonDocument and nlohmann::json::accept disagree";
  for (const std::size_t kept_depth : {0, 1, 2}) {
    if (JsonDocument::parse(input, JsonDocument::kAnyDepth, kept_depth).has_value() != accepted) {
      return "JsonDocument keeping " + std::to_string(kept_depth) + " levels and nlohmann::json::accept disagree";
    }
  }
  return {};
}

inline std::string event_problem(std::string_view input) {
  const auto decoded = protocol::decode_event(input);
  return decoded ? round_trip_problem(*decoded, protocol::encode_event, protocol::decode_event) : "";
}

// A draft holds every rule but those on the members its journal assigns, and survives encoding as
// an event (which writes those members) and decoding as a draft (which ignores them).
inline std::string draft_problem(std::string_view input) {
  const auto decoded = protocol::decode_draft_event(input);
  if (!decoded) return {};
  if (!validate(*decoded, EventStage::kDraft)) return "kept an invalid draft";
  return round_trip_problem(*decoded, protocol::encode_event, protocol::decode_draft_event);
}

// A batch keeps its valid events and rejects the rest: the two must cover the seq range exactly,
// the valid ones must meet every rule, and a batch with nothing rejected must round-trip whole.
inline std::string batch_problem(std::string_view input) {
  const auto decoded = protocol::decode_event_batch(input);
  if (!decoded) return {};
  const protocol::DecodedBatch& result = *decoded;
  if (result.last_seq < result.first_seq ||
      result.last_seq - result.first_seq + 1 != result.batch.events.size() + result.rejected.size()) {
    return "the seq range does not match the events decoded and rejected";
  }
  for (const Event& event : result.batch.events) {
    if (!validate(event) || !device_may_record(event.type)) return "kept an invalid event";
    if (auto problem = round_trip_problem(event, protocol::encode_event, protocol::decode_event); !problem.empty()) {
      return problem;
    }
  }
  for (const protocol::RejectedEvent& rejected : result.rejected) {
    if (!rejected.error.field.starts_with("events[")) return "a rejection names no event";
  }
  if (result.rejected.empty()) {
    const auto again = protocol::decode_event_batch(protocol::encode(result.batch));
    if (!again || !again->rejected.empty() || !(again->batch == result.batch))
      return "the round trip changed the batch";
  }
  return {};
}

// The provisioning bundle, which a device also reads from a systemd credential at every start.
inline std::string bundle_problem(std::string_view input) {
  const auto decoded = protocol::decode_bundle(input);
  if (!decoded) return {};
  const std::string encoded = protocol::encode_bundle(*decoded);
  const auto again = protocol::decode_bundle(encoded);
  if (!again) return "re-decoding our own encoding failed: " + again.error().describe();
  const auto fields = [](const protocol::DeviceBundle& bundle) {
    return std::tie(bundle.site, bundle.device, bundle.broker, bundle.ca_pem, bundle.username, bundle.password,
                    bundle.hub_key_pem);
  };
  if (fields(*again) != fields(*decoded)) return "the round trip changed the bundle: " + encoded;
  return {};
}

// The catalog topic carries a whole catalog or a manifest: whichever decodes must survive its own
// encoding as the same alternative.
inline std::string catalog_message_problem(std::string_view input) {
  const auto decoded = protocol::decode_catalog_message(input);
  if (!decoded) return {};
  const std::string encoded = std::visit([](const auto& message) { return protocol::encode(message); }, *decoded);
  const auto again = protocol::decode_catalog_message(encoded);
  if (!again) return "re-decoding our own encoding failed: " + again.error().describe();
  if (!(*again == *decoded)) return "the round trip changed the message: " + encoded;
  return {};
}

// A chunk's payload is read raw or gzip (the input may be either); what reads must survive being
// published again. Read an item at a time, a payload must give what the whole read gives, or fail
// where it fails.
inline std::string catalog_chunk_payload_problem(std::string_view input) {
  using namespace protocol;
  const auto decoded = read_catalog_chunk_payload(input);
  CatalogChunk handed;
  bool out_of_order = false;
  const auto each = read_catalog_chunk_payload(
      input,
      [&](const CatalogChunkHeader& header) -> Result<void> {
        handed.site = header.site;
        handed.id = header.id;
        return {};
      },
      [&](std::size_t index, CatalogItem&& item) -> Result<void> {
        out_of_order = out_of_order || index != handed.items.size();
        handed.items.push_back(std::move(item));
        return {};
      });
  if (out_of_order) return "an item was handed over out of order";
  if (each.has_value() != decoded.has_value()) return "the item-at-a-time read disagrees";
  if (!decoded) return {};
  if (!(handed == *decoded)) return "the item-at-a-time read handed over another chunk";
  const auto again = read_catalog_chunk_payload(catalog_chunk_payload(*decoded));
  if (!again) return "re-reading our own payload failed: " + again.error().describe();
  if (!(*again == *decoded)) return "the round trip changed the chunk";
  return {};
}

// "" when every decoder keeps its promises about `input`; else the decoder and what broke.
inline std::string protocol_problem(std::string_view input) {
  using namespace protocol;
  const std::pair<const char*, std::string> checks[] = {
      {"json", json_problem(input)},
      {"event_batch", batch_problem(input)},
      {"event", event_problem(input)},
      {"draft", draft_problem(input)},
      {"hello", message_problem<Hello>(input, decode_hello)},
      {"ack", message_problem<Ack>(input, decode_ack)},
      {"nack", message_problem<Nack>(input, decode_nack)},
      {"status", message_problem<Status>(input, decode_status)},
      {"task_list", message_problem<TaskList>(input, decode_task_list)},
      {"catalog", message_problem<Catalog>(input, decode_catalog)},
      {"catalog_chunk_text", message_problem<CatalogChunk>(input, decode_catalog_chunk)},
      {"catalog_message", catalog_message_problem(input)},
      {"catalog_chunk", catalog_chunk_payload_problem(input)},
      {"bundle", bundle_problem(input)},
  };
  for (const auto& [decoder, problem] : checks) {
    if (!problem.empty()) return std::string(decoder) + ": " + problem;
  }
  return {};
}

}  // namespace recount::fuzz
