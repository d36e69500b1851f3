// The conflict routes: listing from the event store, reviews through the shared write path.
#include "hub/http/conflict_routes.hpp"

#include <optional>
#include <string>

#include "hub/http/listing.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// Both events are the hub's own encoding (protocol::encode_event) of events it decoded: flat
// objects, parsed back to show them as JSON rather than as strings.
Json event_object(const std::string& text) {
  Json event = Json::parse(text, nullptr, false);
  if (event.is_discarded()) return Json(text);
  event.erase("v");
  return event;
}

Json conflict_json(const Conflict& conflict) {
  return {{"id", conflict.id},
          {"site", conflict.origin.site},
          {"device", conflict.origin.device},
          {"epoch", conflict.origin.epoch},
          {"seq", conflict.seq},
          {"stored", event_object(conflict.stored_event)},
          {"stored_received_ms", conflict.stored_received_ms},
          {"received", event_object(conflict.event)},
          {"received_ms", conflict.received_ms},
          {"reviewed_ms", optional_json(conflict.reviewed_ms)},
          {"reviewed_by", conflict.reviewed_by.empty() ? Json(nullptr) : Json(conflict.reviewed_by)}};
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
    return listing("conflicts", *conflicts, *page, conflict_json, [](const Conflict& conflict) { return conflict.id; });
  });

  router.add("POST", "/api/v1/conflicts/{id}/review", auth::Role::kAdmin, [&writer](const Request& request) {
    auto id = request.path_integer("id", "conflict id");
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
    return Response::json(200, {{"conflict", conflict_json(*reviewed)}});
  });
}

}  // namespace recount::hub
