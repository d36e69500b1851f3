// The /api/v1 handlers: query parameters in, ledger reads, JSON out.
#include "hub/http/api.hpp"

#include "hub/http/listing.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json cursor_json(const EpochSummary& epoch) {
  return {{"epoch", epoch.epoch},
          {"events", epoch.cursor.events},
          {"acked_through", epoch.cursor.acked_through},
          {"first_seen_ms", epoch.first_seen_ms},
          {"last_seen_ms", epoch.last_seen_ms}};
}

// The last status message in its wire form (docs/protocol.md §8), with when the hub got it.
Json status_json(const std::optional<StatusRecord>& record) {
  if (!record) return nullptr;
  Json status = Json::parse(protocol::encode(record->status), nullptr, false);
  status.erase("v");
  status.erase("device");
  status["received_ms"] = record->received_ms;
  return status;
}

// Per device: events of all its epochs, and the cursor of its current epoch (the one it started
// last), which is what its agent is syncing now.
Json device_json(const DeviceSummary& device) {
  Json epochs = Json::array();
  std::uint64_t events = 0;
  for (const EpochSummary& epoch : device.epochs) {
    events += epoch.cursor.events;
    epochs.push_back(cursor_json(epoch));
  }
  const EpochSummary current = device.epochs.empty() ? EpochSummary{} : device.epochs.back();
  return {{"site", device.site},
          {"device", device.device},
          {"epoch", current.epoch},
          {"events", events},
          {"acked_through", current.cursor.acked_through},
          {"dead_letters", device.dead_letters},
          {"dead_letter_overflow", device.dead_letter_overflow},
          {"conflicts", device.conflicts},
          {"clock_flagged", device.clock_flagged},
          {"last_seen_ms", device.last_seen_ms},
          {"status", status_json(device.status)},
          {"epochs", std::move(epochs)}};
}

Json dead_letter_json(const DeadLetter& letter) {
  return {{"id", letter.id},
          {"received_ms", letter.received_ms},
          {"topic", letter.topic},
          {"site", letter.origin.site},
          {"device", letter.origin.device},
          {"epoch", letter.origin.epoch},
          {"seq", optional_json(letter.seq)},
          {"event_id", letter.event_id},
          {"field", letter.field},
          {"reason", letter.reason},
          {"payload", letter.payload},
          {"payload_bytes", letter.payload_bytes}};
}

// The event in its wire form (docs/protocol.md §3), with where and when the hub got it.
Json event_json(const StoredEvent& stored) {
  Json event = Json::parse(protocol::encode_event(stored.event), nullptr, false);
  event.erase("v");
  event["site"] = stored.origin.site;
  event["device"] = stored.origin.device;
  event["epoch"] = stored.origin.epoch;
  event["received_ms"] = stored.received_ms;
  return event;
}

Json audit_entry_json(const AuditEntry& entry) {
  Json detail = Json::parse(entry.detail, nullptr, false);
  return {{"id", entry.id},
          {"at_ms", entry.at_ms},
          {"kind", entry.kind},
          {"subject", entry.subject},
          {"detail", detail.is_discarded() ? Json(entry.detail) : std::move(detail)},
          {"prev_hash", entry.prev_hash},
          {"hash", entry.hash}};
}

Json counters_json(const IngestCounters& counters) {
  return {{"messages", counters.messages},
          {"batches", counters.batches},
          {"rejected_payloads", counters.rejected_payloads},
          {"commits", counters.commits},
          {"failed_commits", counters.failed_commits},
          {"replies_unsent", counters.replies_unsent},
          {"replies_in_flight", counters.replies_in_flight},
          {"queued", counters.queued},
          {"deferred_commits", counters.deferred_commits},
          {"unreconciled", counters.unreconciled},
          {"queued_bytes", counters.queued_bytes},
          {"backpressure", counters.backpressure},
          {"retained_cleared", counters.retained_cleared},
          {"conflicts", counters.conflicts},
          {"clock_flagged", counters.clock_flagged},
          {"dead_letter_overflow", counters.dead_letter_overflow}};
}

// Why the hub is degraded, in words that stay stable for monitoring (docs/api.md); empty when it
// is not. A conflict count that cannot be read counts as conflicts: the answer errs to 503.
Json degraded_reasons(const Ingest& ingest, const mqtt::Link& link, const Result<std::uint64_t>& unreviewed) {
  Json reasons = Json::array();
  if (ingest.storage_full()) reasons.push_back("disk_full");
  if (ingest.backlogged()) reasons.push_back("ingest_backlog");
  if (!link.connected()) reasons.push_back("broker_unreachable");
  if (!unreviewed || *unreviewed > 0) reasons.push_back("conflicts");
  return reasons;
}

}  // namespace

void add_api_routes(Router& router, Ledger& ledger, const Ingest& ingest, const mqtt::Link& link) {
  router.add_public("GET", "/api/v1/health", [&ledger, &ingest, &link](const Request&) {
    const bool connected = link.connected();
    const auto unreviewed = ledger.events().unreviewed_conflicts();
    Json reasons = degraded_reasons(ingest, link, unreviewed);
    const bool ok = reasons.empty();
    return Response::json(ok ? 200 : 503, {{"status", ok ? "ok" : "degraded"},
                                           {"reasons", std::move(reasons)},
                                           {"mqtt", connected ? "connected" : "disconnected"},
                                           {"unreviewed_conflicts", unreviewed ? Json(*unreviewed) : Json(nullptr)},
                                           {"ingest", counters_json(ingest.counters())}});
  });

  router.add("GET", "/api/v1/stats", auth::Role::kViewer, [&ledger](const Request&) {
    auto devices = ledger.events().devices();
    if (!devices) return Response::from(devices.error());
    Json list = Json::array();
    for (const DeviceSummary& device : *devices) list.push_back(device_json(device));
    return Response::json(200, {{"devices", std::move(list)}});
  });

  router.add("GET", "/api/v1/deadletters", auth::Role::kViewer, [&ledger](const Request& request) {
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    const auto device = request.query.find("device");
    auto letters =
        ledger.events().dead_letters({device == request.query.end() ? "" : device->second, page->after, page->limit});
    if (!letters) return Response::from(letters.error());
    return listing("dead_letters", *letters, *page, dead_letter_json,
                   [](const DeadLetter& letter) { return letter.id; });
  });

  router.add("GET", "/api/v1/events", auth::Role::kViewer, [&ledger](const Request& request) {
    const auto device = request.query.find("device");
    const auto epoch = request.query.find("epoch");
    if (device == request.query.end() || epoch == request.query.end()) {
      return Response::from(invalid("device", "device and epoch are both required"));
    }
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    auto events =
        ledger.events().events({device->second, epoch->second, static_cast<std::uint64_t>(page->after), page->limit});
    if (!events) return Response::from(events.error());
    return listing("events", *events, *page, event_json, [](const StoredEvent& stored) { return stored.event.seq; });
  });

  router.add("GET", "/api/v1/audit", auth::Role::kViewer, [&ledger](const Request& request) {
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    auto entries = ledger.audit().entries(page->after, page->limit);
    if (!entries) return Response::from(entries.error());
    return listing("entries", *entries, *page, audit_entry_json, [](const AuditEntry& entry) { return entry.id; });
  });

  router.add("GET", "/api/v1/audit/verify", auth::Role::kViewer, [&ledger](const Request&) {
    auto verification = ledger.audit().verify();
    if (!verification) return Response::from(verification.error());
    return Response::json(200, {{"intact", !verification->broken_id},
                                {"entries", verification->entries},
                                {"head_hash", verification->head_hash},
                                {"broken_id", optional_json(verification->broken_id)},
                                {"problem", verification->problem}});
  });
}

}  // namespace recount::hub
