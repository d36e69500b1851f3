// The /api/v1 handlers: query parameters in, ledger reads, JSON out. Answers that carry protocol
// messages or stored documents are written with protocol::JsonWriter, which embeds them as they are.
#include "hub/http/api.hpp"

#include <limits>

#include "hub/http/device_json.hpp"
#include "hub/http/json_text.hpp"
#include "hub/http/listing.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;
using protocol::JsonWriter;

void write_dead_letter(JsonWriter& out, const DeadLetter& letter) {
  out.begin_object();
  out.field("id", letter.id);
  out.field("received_ms", letter.received_ms);
  out.field("topic", letter.topic);
  out.field("site", letter.origin.site);
  out.field("device", letter.origin.device);
  out.field("epoch", letter.origin.epoch);
  out.key("seq");
  out.integer_or_null(letter.seq);
  out.field("event_id", letter.event_id);
  out.field("field", letter.field);
  out.field("reason", letter.reason);
  out.field("payload", letter.payload);
  out.field("payload_bytes", letter.payload_bytes);
  out.end_object();
}

// The event in its wire form (docs/protocol.md §3), with where and when the hub got it.
void write_event(JsonWriter& out, const StoredEvent& stored) {
  out.begin_object();
  write_members_of(out, protocol::encode_event(stored.event), {"v"});
  out.field("site", stored.origin.site);
  out.field("device", stored.origin.device);
  out.field("epoch", stored.origin.epoch);
  out.field("received_ms", stored.received_ms);
  out.end_object();
}

void write_audit_entry(JsonWriter& out, const AuditEntry& entry) {
  out.begin_object();
  out.field("id", entry.id);
  out.field("at_ms", entry.at_ms);
  out.field("kind", entry.kind);
  out.field("subject", entry.subject);
  out.key("detail");
  write_stored(out, entry.detail);
  out.field("prev_hash", entry.prev_hash);
  out.field("hash", entry.hash);
  out.end_object();
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

// The page and filters of GET /api/v1/audit. Errors: kInvalidInput naming the parameter.
Result<AuditQuery> audit_query_of(const Request& request) {
  auto page = page_of(request, "after");
  if (!page) return page.error();
  AuditQuery query{page->after, page->limit, "", "", 0, std::numeric_limits<std::int64_t>::max()};
  if (const auto kind = request.query.find("kind"); kind != request.query.end()) query.kind_prefix = kind->second;
  if (const auto actor = request.query.find("actor"); actor != request.query.end()) query.actor = actor->second;
  auto from = request.integer("from_ms", 0, 0, std::numeric_limits<std::int64_t>::max() - 1);
  if (!from) return from.error();
  auto to =
      request.integer("to_ms", std::numeric_limits<std::int64_t>::max(), 1, std::numeric_limits<std::int64_t>::max());
  if (!to) return to.error();
  if (*to <= *from) return invalid("to_ms", "must be later than from_ms (" + std::to_string(*from) + ")");
  query.from_ms = *from;
  query.to_ms = *to;
  return query;
}

// Why the hub is degraded, in words that stay stable for monitoring (docs/api.md); empty when it
// is not. The conflict count is the health check's one read of the ledger: when it fails, the
// ledger's database does not answer (a PostgreSQL server down or restarting, an I/O error), and
// whether there are conflicts is not known.
Json degraded_reasons(const Ingest& ingest, const mqtt::Link& link, const Result<std::uint64_t>& unreviewed) {
  Json reasons = Json::array();
  if (!unreviewed) reasons.push_back("ledger_unavailable");
  if (ingest.storage_full()) reasons.push_back("disk_full");
  if (ingest.backlogged()) reasons.push_back("ingest_backlog");
  if (!link.connected()) reasons.push_back("broker_unreachable");
  if (unreviewed && *unreviewed > 0) reasons.push_back("conflicts");
  return reasons;
}

}  // namespace

void add_api_routes(Router& router, Ledger& ledger, const Ingest& ingest, const mqtt::Link& link) {
  router.add_public("GET", "/api/v1/health", [&ledger, &ingest, &link](const Request&) {
    const bool connected = link.connected();
    const auto unreviewed = ledger.events().unreviewed_conflicts();
    Json reasons = degraded_reasons(ingest, link, unreviewed);
    const bool ok = reasons.empty();
    Json answer{{"status", ok ? "ok" : "degraded"},
                {"reasons", std::move(reasons)},
                {"mqtt", connected ? "connected" : "disconnected"},
                {"unreviewed_conflicts", unreviewed ? Json(*unreviewed) : Json(nullptr)},
                {"ingest", counters_json(ingest.counters())}};
    if (!unreviewed) answer["ledger_error"] = unreviewed.error().describe();
    return Response::json(ok ? 200 : 503, answer);
  });

  router.add("GET", "/api/v1/stats", auth::Role::kViewer, [&ledger](const Request&) {
    auto devices = ledger.events().devices();
    if (!devices) return Response::from(devices.error());
    JsonWriter out;
    out.begin_object();
    out.key("devices");
    out.begin_array();
    for (const DeviceSummary& device : *devices) write_device(out, device);
    out.end_array();
    out.end_object();
    return Response::encoded(200, std::move(out).finish());
  });

  router.add("GET", "/api/v1/deadletters", auth::Role::kViewer, [&ledger](const Request& request) {
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    const auto device = request.query.find("device");
    auto letters =
        ledger.events().dead_letters({device == request.query.end() ? "" : device->second, page->after, page->limit});
    if (!letters) return Response::from(letters.error());
    return listing("dead_letters", *letters, *page, write_dead_letter,
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
    return listing("events", *events, *page, write_event, [](const StoredEvent& stored) { return stored.event.seq; });
  });

  router.add("GET", "/api/v1/audit", auth::Role::kViewer, [&ledger](const Request& request) {
    auto query = audit_query_of(request);
    if (!query) return Response::from(query.error());
    const Page page{query->after_id, query->limit};
    auto entries = ledger.audit().matching(*query);
    if (!entries) return Response::from(entries.error());
    return listing("entries", *entries, page, write_audit_entry, [](const AuditEntry& entry) { return entry.id; });
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
