// libFuzzer target for the protocol codec: every input goes to every decoder. Decoding must not
// crash or trip a sanitizer, whatever decodes must encode and decode again to an equal value, and
// the codec's JSON parser must accept exactly what nlohmann::json accepts; anything else aborts
// with the reason, which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include <nlohmann/json.hpp>

#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/protocol/json_document.hpp"

namespace recount::protocol {
namespace {

[[noreturn]] void fail(const char* decoder, const std::string& what) {
  std::fprintf(stderr, "protocol_fuzz: %s: %s\n", decoder, what.c_str());
  std::abort();
}

// Encodes a decoded value with `encode` and decodes it again with `decode`: the value must survive.
template <typename T, typename Encode, typename Decode>
void check_round_trip(const char* decoder, const T& value, Encode encode, Decode decode) {
  const std::string encoded = encode(value);
  const auto again = decode(encoded);
  if (!again) fail(decoder, "re-decoding our own encoding failed: " + again.error().describe() + " in " + encoded);
  if (!(*again == value)) fail(decoder, "the round trip changed the value: " + encoded);
}

template <typename T, typename Decode>
void check_message(const char* decoder, std::string_view input, Decode decode) {
  const auto decoded = decode(input);
  if (decoded)
    check_round_trip(
        decoder, *decoded, [](const T& value) { return encode(value); }, decode);
}

// nlohmann::json is the oracle JsonDocument was written against (tests/shared/protocol/json_document_test.cpp).
// A document keeping only its outer levels (a catalog chunk's reading keeps two) must accept
// exactly the same.
void check_json(std::string_view input) {
  const bool accepted = nlohmann::json::accept(input);
  if (JsonDocument::parse(input).has_value() != accepted) {
    fail("json", "JsonDocument and nlohmann::json::accept disagree");
  }
  for (const std::size_t kept_depth : {0, 1, 2}) {
    if (JsonDocument::parse(input, JsonDocument::kAnyDepth, kept_depth).has_value() != accepted) {
      fail("json",
           "JsonDocument keeping " + std::to_string(kept_depth) + " levels and nlohmann::json::accept disagree");
    }
  }
}

void check_event(std::string_view input) {
  const auto decoded = decode_event(input);
  if (decoded) check_round_trip("event", *decoded, encode_event, decode_event);
}

// A draft holds every rule but those on the members its journal assigns, and survives encoding as
// an event (which writes those members) and decoding as a draft (which ignores them).
void check_draft(std::string_view input) {
  const auto decoded = decode_draft_event(input);
  if (!decoded) return;
  if (!validate(*decoded, EventStage::kDraft)) fail("draft", "kept an invalid draft");
  check_round_trip("draft", *decoded, encode_event, decode_draft_event);
}

// A batch keeps its valid events and rejects the rest: the two must cover the seq range exactly,
// the valid ones must meet every rule, and a batch with nothing rejected must round-trip whole.
void check_batch(std::string_view input) {
  const auto decoded = decode_event_batch(input);
  if (!decoded) return;
  const DecodedBatch& result = *decoded;
  if (result.last_seq < result.first_seq ||
      result.last_seq - result.first_seq + 1 != result.batch.events.size() + result.rejected.size()) {
    fail("event_batch", "the seq range does not match the events decoded and rejected");
  }
  for (const Event& event : result.batch.events) {
    if (!validate(event) || !device_may_record(event.type)) fail("event_batch", "kept an invalid event");
    check_round_trip("event_batch", event, encode_event, decode_event);
  }
  for (const RejectedEvent& rejected : result.rejected) {
    if (!rejected.error.field.starts_with("events[")) fail("event_batch", "a rejection names no event");
  }
  if (result.rejected.empty()) {
    const auto again = decode_event_batch(encode(result.batch));
    if (!again || !again->rejected.empty() || !(again->batch == result.batch)) {
      fail("event_batch", "the round trip changed the batch");
    }
  }
}

// The provisioning bundle, which a device also reads from a systemd credential at every start.
void check_bundle(std::string_view input) {
  const auto decoded = decode_bundle(input);
  if (!decoded) return;
  const std::string encoded = encode_bundle(*decoded);
  const auto again = decode_bundle(encoded);
  if (!again) fail("bundle", "re-decoding our own encoding failed: " + again.error().describe());
  const auto fields = [](const DeviceBundle& bundle) {
    return std::tie(bundle.site, bundle.device, bundle.broker, bundle.ca_pem, bundle.username, bundle.password,
                    bundle.hub_key_pem);
  };
  if (fields(*again) != fields(*decoded)) fail("bundle", "the round trip changed the bundle: " + encoded);
}

// The catalog topic carries a whole catalog or a manifest: whichever decodes must survive its own
// encoding as the same alternative.
void check_catalog_message(std::string_view input) {
  const auto decoded = decode_catalog_message(input);
  if (!decoded) return;
  const std::string encoded = std::visit([](const auto& message) { return encode(message); }, *decoded);
  const auto again = decode_catalog_message(encoded);
  if (!again) fail("catalog_message", "re-decoding our own encoding failed: " + again.error().describe());
  if (!(*again == *decoded)) fail("catalog_message", "the round trip changed the message: " + encoded);
}

// A chunk's payload is read raw or gzip (the input may be either); what reads must survive being
// published again.
// Read an item at a time, a payload must give what the whole read gives, or fail where it fails.
void check_catalog_chunk_payload(std::string_view input) {
  const auto decoded = read_catalog_chunk_payload(input);
  CatalogChunk handed;
  const auto each = read_catalog_chunk_payload(
      input,
      [&](const CatalogChunkHeader& header) -> Result<void> {
        handed.site = header.site;
        handed.id = header.id;
        return {};
      },
      [&](std::size_t index, CatalogItem&& item) -> Result<void> {
        if (index != handed.items.size()) fail("catalog_chunk", "an item was handed over out of order");
        handed.items.push_back(std::move(item));
        return {};
      });
  if (each.has_value() != decoded.has_value()) fail("catalog_chunk", "the item-at-a-time read disagrees");
  if (!decoded) return;
  if (!(handed == *decoded)) fail("catalog_chunk", "the item-at-a-time read handed over another chunk");
  const auto again = read_catalog_chunk_payload(catalog_chunk_payload(*decoded));
  if (!again) fail("catalog_chunk", "re-reading our own payload failed: " + again.error().describe());
  if (!(*again == *decoded)) fail("catalog_chunk", "the round trip changed the chunk");
}

}  // namespace
}  // namespace recount::protocol

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::protocol;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_json(input);
  check_batch(input);
  check_event(input);
  check_draft(input);
  check_message<Hello>("hello", input, decode_hello);
  check_message<Ack>("ack", input, decode_ack);
  check_message<Nack>("nack", input, decode_nack);
  check_message<Status>("status", input, decode_status);
  check_message<TaskList>("task_list", input, decode_task_list);
  check_message<Catalog>("catalog", input, decode_catalog);
  check_message<CatalogChunk>("catalog_chunk_text", input, decode_catalog_chunk);
  check_catalog_message(input);
  check_catalog_chunk_payload(input);
  check_bundle(input);
  return 0;
}
