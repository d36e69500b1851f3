// The conflict routes: listing from the event store, reviews through the shared write path.
#include "hub/http/conflict_routes.hpp"

#include <optional>
#include <string>

#include "hub/http/json_text.hpp"
#include "hub/http/listing.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;
using protocol::JsonWriter;

// Both events are stored as the hub's own encoding (protocol::encode_event) of events it
// decoded: shown as JSON objects without "v", or as strings should a row be damaged.
void write_conflict(JsonWriter& out, const Conflict& conflict) {
  out.begin_object();
  out.field("id", conflict.id);
  out.field("site", conflict.origin.site);
  out.field("device", conflict.origin.device);
  out.field("epoch", conflict.origin.epoch);
  out.field("seq", conflict.seq);
  out.key("stored");
  write_stored(out, conflict.stored_event, {"v"});
  out.field("stored_received_ms", conflict.stored_received_ms);
  out.key("received");
  write_stored(out, conflict.event, {"v"});
  out.field("received_ms", conflict.received_ms);
  out.key("reviewed_ms");
  out.integer_or_null(conflict.reviewed_ms);
  out.key("reviewed_by");
  out.string_or_null(conflict.reviewed_by.empty() ? std::nullopt
                                                  : std::optional<std::string_view>(conflict.reviewed_by));
  out.end_object();
}

// The reviewer is the token's name; a body may still name it (older clients), but never someone else.
Result<std::string> reviewer(const Request& request) {
  if (!request.body.empty()) {
    const Json body = Json::parse(request.body, nullptr, false);
    if (!body.is_object()) return invalid("body", "must be a JSON object (or empty)");
    const auto found = body.find("operator");
    if (found != body.end()) {
      if (!found->is_string()) return invalid("operator", "must be a string");
      if (auto ok = check_operator(request, found->get<std::string>()); !ok) return ok.error();
    }
  }
  return request.principal->name;
}

}  // namespace

void add_conflict_routes(Router& router, Ledger& ledger, HubWriter& writer) {
  router.add("GET", "/api/v1/conflicts", auth::Role::kViewer, [&ledger](const Request& request) {
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    const auto device = request.query.find("device");
    auto conflicts =
        ledger.events().conflicts({device == request.query.end() ? "" : device->second, page->after, page->limit});
    if (!conflicts) return Response::from(conflicts.error());
    return listing("conflicts", *conflicts, *page, write_conflict,
                   [](const Conflict& conflict) { return conflict.id; });
  });

  router.add("POST", "/api/v1/conflicts/{id}/review", auth::Role::kAdmin, [&writer](const Request& request) {
    auto id = request.path_integer("id", "a conflict id");
    if (!id) return Response::from(id.error());
    auto login = reviewer(request);
    if (!login) return Response::from(login.error());
    std::optional<Conflict> reviewed;
    auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
      auto conflict = write.events().review_conflict(*id, *login, now_ms);
      if (!conflict) return conflict.error();
      const Json detail = {
          {"conflict", *id}, {"epoch", conflict->origin.epoch}, {"seq", conflict->seq}, {"operator", *login}};
      if (auto ok = write.audit("sync.conflict_reviewed", conflict->origin.site + "/" + conflict->origin.device,
                                dump_json(detail));
          !ok) {
        return ok.error();
      }
      reviewed = std::move(*conflict);
      return reconcile::Effects{};
    });
    if (!written) return Response::from(written.error());
    JsonWriter out;
    out.begin_object();
    out.key("conflict");
    write_conflict(out, *reviewed);
    out.end_object();
    return Response::encoded(200, std::move(out).finish());
  });
}

}  // namespace recount::hub
