// The reconciliation handlers: query parameters in, reconcile::Queries reads, JSON out.
#include "hub/http/reconcile_routes.hpp"

#include <string>

#include "hub/http/discrepancy_query.hpp"
#include "hub/http/listing.hpp"
#include "hub/http/position_text.hpp"
#include "hub/http/resolve_routes.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/reconcile/systems.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The most tasks GET /api/v1/tasks lists.
constexpr std::size_t kTaskLimit = 1000;

}  // namespace

// What the device got (never the ledger's quantity), and where the task stands: held_by is the
// device that acknowledged it, age_ms how long it has been (or was) open.
Json task_json(const reconcile::Task& task, std::int64_t now_ms) {
  return {{"task_id", task.task.task_id},
          {"site", task.site},
          {"location", task.task.location},
          {"sku", task.task.sku},
          {"round", task.task.round},
          {"exclude_user", task.task.exclude_user},
          {"created_ms", task.task.created_ms},
          {"discrepancy_id", task.discrepancy_id},
          {"state", reconcile::to_string(task.state)},
          {"acked_ms", optional_json(task.acked_ms)},
          {"acked_device", task.acked_device},
          {"held_by", task.acked_device},
          {"finished_ms", optional_json(task.finished_ms)},
          {"age_ms", task.finished_ms.value_or(now_ms) - task.task.created_ms}};
}

Json discrepancy_json(const reconcile::Discrepancy& discrepancy, std::int64_t now_ms) {
  Json body = {
      {"id", discrepancy.id},
      {"system", discrepancy.system},
      {"site", discrepancy.position.site},
      {"location", discrepancy.position.location},
      {"sku", discrepancy.position.sku},
      {"lot", discrepancy.position.lot},
      {"state", reconcile::to_string(discrepancy.state)},
      {"classification", reconcile::to_string(discrepancy.classification)},
      {"resolution", reconcile::to_string(discrepancy.resolution)},
      {"expected", discrepancy.expected},
      {"counted", discrepancy.counted},
      {"variance", discrepancy.variance},
      {"value_cents", discrepancy.value_cents},
      {"round", discrepancy.round},
      {"first_user", discrepancy.first_user},
      {"opened_ms", discrepancy.opened_ms},
      {"age_ms", now_ms - discrepancy.opened_ms},
      {"updated_ms", discrepancy.updated_ms},
      {"closed_ms", optional_json(discrepancy.closed_ms)},
      {"adjust_event_id", discrepancy.adjust_event_id},
      {"adjust_qty", discrepancy.adjust_qty},
      {"adjust_value_cents", discrepancy.adjust_value_cents},
      {"adjust_reason", discrepancy.adjust_reason ? Json(to_string(*discrepancy.adjust_reason)) : Json(nullptr)}};
  // What an operator takes up with a read-only system (docs/channels.md).
  if (discrepancy.snapshot_id && reconcile::system_role(discrepancy.system) == reconcile::SystemRole::kReadOnly) {
    body["proposal"] = reconcile::fba_proposal(discrepancy.variance);
  }
  return body;
}

Json snapshot_json(const reconcile::Snapshot& snapshot) {
  return {{"event_id", snapshot.event_id},
          {"system", snapshot.system},
          {"kind", snapshot.reference},
          {"as_of_ms", snapshot.wall_ms},
          {"received_ms", snapshot.received_ms},
          {"reported", snapshot.reported},
          {"expected_at_as_of", optional_json(snapshot.expected)},
          {"variance", snapshot.variance},
          {"within_tolerance", snapshot.within ? Json(*snapshot.within) : Json(nullptr)}};
}

Json history_entry_json(const reconcile::HistoryEntry& entry) {
  return {{"hlc", entry.hlc.packed},
          {"wall_ms", entry.wall_ms},
          {"event_id", entry.event_id},
          {"location", entry.location},
          {"type", entry.type},
          {"qty", entry.qty},
          {"delta", entry.delta},
          {"balance", entry.balance},
          {"device", entry.device},
          {"user", entry.user},
          {"reason", entry.reason},
          {"reference", entry.reference},
          {"session", entry.session},
          {"task_id", entry.task_id},
          {"group_id", optional_json(entry.group_id)},
          {"arrived_ms", optional_json(entry.arrived_ms)},
          {"late_ms", entry.late_ms}};
}

namespace {

std::string parameter(const Request& request, const std::string& name, const std::string& absent) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? absent : found->second;
}

Json position_json(const reconcile::PositionView& position) {
  return {{"id", position.id},
          {"site", position.key.site},
          {"location", position.key.location},
          {"sku", position.key.sku},
          {"lot", position.key.lot},
          {"on_hand", position.on_hand},
          {"movements", position.movements}};
}

// A count group with its judgement: what the history's count lines added up to, and the verdict.
Json count_group_json(const reconcile::CountGroup& group) {
  return {{"group_id", group.id},
          {"task_id", group.task_id},
          {"session", group.session_key},
          {"counts", group.counts},
          {"counted", group.counted},
          {"expected", group.expected},
          {"variance", group.variance},
          {"value_cents", group.value_cents},
          {"first_user", group.first_user},
          {"first_hlc", group.first_hlc.packed},
          {"last_hlc", group.last_hlc.packed},
          {"role", group.role ? Json(reconcile::to_string(*group.role)) : Json(nullptr)},
          {"verdict", group.verdict ? Json(reconcile::to_string(*group.verdict)) : Json(nullptr)},
          {"ambiguous", group.ambiguous},
          {"discrepancy_id", optional_json(group.discrepancy_id)},
          {"settled_ms", optional_json(group.settled_ms)}};
}

Json transition_json(const reconcile::Transition& transition) {
  return {{"seq", transition.seq},
          {"from", transition.from ? Json(reconcile::to_string(*transition.from)) : Json(nullptr)},
          {"to", reconcile::to_string(transition.to)},
          {"at_ms", transition.at_ms},
          {"actor", {{"kind", reconcile::to_string(transition.actor.kind)}, {"id", transition.actor.id}}},
          {"cause", transition.cause},
          {"cause_event_id", transition.cause_event_id}};
}

template <typename T, typename ToJson>
Json array_of(const std::vector<T>& items, ToJson to_json) {
  Json list = Json::array();
  for (const T& item : items) list.push_back(to_json(item));
  return list;
}

// site, location, sku and (optional) lot parameters, validated as events validate them.
Result<reconcile::PositionKey> position_of(const Request& request) {
  reconcile::PositionKey position{parameter(request, "site", ""), parameter(request, "location", ""),
                                  parameter(request, "sku", ""), parameter(request, "lot", "")};
  if (auto valid = validate_identifier("site", position.site); !valid) return valid.error();
  if (auto valid = validate_code("location", position.location, limits::kMaxCode); !valid) return valid.error();
  if (auto valid = validate_code("sku", position.sku, limits::kMaxCode); !valid) return valid.error();
  if (auto valid = validate_code("lot", position.lot, limits::kMaxCode, Presence::kOptional); !valid) {
    return valid.error();
  }
  return position;
}

void add_position_routes(Router& router, reconcile::Queries& queries) {
  router.add("GET", "/api/v1/positions", auth::Role::kViewer, [&queries](const Request& request) {
    auto page = page_of(request, "after");
    if (!page) return Response::from(page.error());
    const reconcile::PositionQuery query{parameter(request, "site", ""), parameter(request, "sku", ""), page->after,
                                         page->limit};
    auto positions = queries.positions(query);
    if (!positions) return Response::from(positions.error());
    return listing("positions", *positions, *page, position_json,
                   [](const reconcile::PositionView& position) { return position.id; });
  });
  router.add("GET", "/api/v1/positions/history", auth::Role::kViewer, [&queries](const Request& request) {
    auto position = position_of(request);
    if (!position) return Response::from(position.error());
    auto entries = queries.history(*position);
    if (!entries) return Response::from(entries.error());
    // Every position the ledger knows has at least the event that made it known.
    if (entries->empty()) {
      return Response::error(404, "not_found", "no position " + position_text(*position) + " in the ledger");
    }
    auto counts = queries.counts(*position);
    if (!counts) return Response::from(counts.error());
    return Response::json(200, {{"site", position->site},
                                {"location", position->location},
                                {"sku", position->sku},
                                {"lot", position->lot},
                                {"on_hand", entries->back().balance},
                                {"entries", array_of(*entries, history_entry_json)},
                                {"counts", array_of(*counts, count_group_json)}});
  });
}

void add_discrepancy_detail_route(Router& router, reconcile::Queries& queries, const WallClock& wall,
                                  const DetailExtension& extend) {
  router.add("GET", "/api/v1/discrepancies/{id}", auth::Role::kViewer,
             [&queries, wall, extend](const Request& request) {
               const auto id = request.path_integer("id", "a discrepancy id");
               if (!id) return Response::from(id.error());
               auto detail = queries.discrepancy(*id);
               if (!detail && detail.error().code == ErrorCode::kNotFound) {
                 return Response::error(404, "not_found", "no discrepancy " + std::to_string(*id));
               }
               if (!detail) return Response::from(detail.error());
               const std::int64_t now_ms = wall();
               Json body = discrepancy_json(detail->discrepancy, now_ms);
               body["transitions"] = array_of(detail->transitions, transition_json);
               body["tasks"] =
                   array_of(detail->tasks, [now_ms](const reconcile::Task& task) { return task_json(task, now_ms); });
               body["counts"] = array_of(detail->counts, count_group_json);
               body["timeline"] = array_of(detail->timeline, history_entry_json);
               body["snapshot"] = detail->snapshot ? snapshot_json(*detail->snapshot) : Json(nullptr);
               Json actions = Json::array();
               for (const auto action : allowed_actions(*request.principal, detail->discrepancy)) {
                 actions.push_back(reconcile::to_string(action));
               }
               body["allowed_actions"] = std::move(actions);
               if (extend) {
                 if (auto ok = extend(*detail, body); !ok) return Response::from(ok.error());
               }
               return Response::json(200, body);
             });
}

}  // namespace

void add_reconcile_routes(Router& router, reconcile::Queries& queries, const WallClock& wall,
                          const DetailExtension& extend, const ListExtension& extend_listed) {
  router.add("GET", "/api/v1/tasks", auth::Role::kViewer, [&queries, wall](const Request& request) {
    const std::string state = parameter(request, "state", "open");
    if (state != "open" && state != "all") return Response::from(invalid("state", "must be open or all"));
    const auto filter = state == "open" ? reconcile::TaskFilter::kOpen : reconcile::TaskFilter::kAll;
    auto tasks = queries.tasks(parameter(request, "site", ""), filter, kTaskLimit);
    if (!tasks) return Response::from(tasks.error());
    const std::int64_t now_ms = wall();
    return Response::json(
        200, {{"tasks", array_of(*tasks, [now_ms](const reconcile::Task& task) { return task_json(task, now_ms); })}});
  });
  router.add("GET", "/api/v1/discrepancies", auth::Role::kViewer,
             [&queries, wall, extend_listed](const Request& request) {
               const std::int64_t now_ms = wall();
               auto query = discrepancy_query_of(request, now_ms);
               if (!query) return Response::from(query.error());
               auto discrepancies = queries.discrepancies(*query);
               if (!discrepancies) return Response::from(discrepancies.error());
               // A page counts every match; a listing of every match is its own count.
               std::int64_t total = static_cast<std::int64_t>(discrepancies->size());
               if (query->limit || query->offset > 0) {
                 auto counted = queries.discrepancy_count(*query);
                 if (!counted) return Response::from(counted.error());
                 total = *counted;
               }
               protocol::JsonWriter out(128 + 640 * discrepancies->size());
               out.begin_object();
               out.key("discrepancies");
               out.begin_array();
               for (const auto& discrepancy : *discrepancies) {
                 Json body = discrepancy_json(discrepancy, now_ms);
                 if (extend_listed) {
                   if (auto ok = extend_listed(discrepancy, body); !ok) return Response::from(ok.error());
                 }
                 out.raw(dump_json(body));
               }
               out.end_array();
               out.field("total", total);
               out.field("offset", static_cast<std::int64_t>(query->offset));
               out.key("limit");
               out.integer_or_null(query->limit ? std::optional<std::int64_t>(*query->limit) : std::nullopt);
               out.end_object();
               return Response::encoded(200, std::move(out).finish());
             });
  add_discrepancy_detail_route(router, queries, wall, extend);
  add_position_routes(router, queries);
}

}  // namespace recount::hub
