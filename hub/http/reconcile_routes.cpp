// The reconciliation handlers: query parameters in, reconciler reads, JSON out.
#include "hub/http/reconcile_routes.hpp"

#include <string>

namespace recount::hub {
namespace {

using Json = nlohmann::json;

template <typename T>
Json optional_json(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// What the device got (never the ledger's quantity), and where the task stands.
Json task_json(const reconcile::Task& task) {
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
          {"finished_ms", optional_json(task.finished_ms)}};
}

}  // namespace

Json discrepancy_json(const reconcile::Discrepancy& discrepancy) {
  return {{"id", discrepancy.id},
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
          {"updated_ms", discrepancy.updated_ms},
          {"closed_ms", optional_json(discrepancy.closed_ms)},
          {"adjust_event_id", discrepancy.adjust_event_id},
          {"adjust_qty", discrepancy.adjust_qty}};
}

namespace {

std::string parameter(const Request& request, const std::string& name, const std::string& absent) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? absent : found->second;
}

}  // namespace

void add_reconcile_routes(Router& router, reconcile::Reconciler& reconciler) {
  router.add("GET", "/api/v1/tasks", [&reconciler](const Request& request) {
    auto tasks = reconciler.tasks(parameter(request, "site", ""));
    if (!tasks) return Response::from(tasks.error());
    Json list = Json::array();
    for (const auto& task : *tasks) list.push_back(task_json(task));
    return Response::json(200, {{"tasks", std::move(list)}});
  });
  router.add("GET", "/api/v1/discrepancies", [&reconciler](const Request& request) {
    const std::string state = parameter(request, "state", "open");
    if (state != "open" && state != "all") return Response::from(invalid("state", "must be open or all"));
    reconcile::DiscrepancyQuery query;
    query.filter = state == "open" ? reconcile::StateFilter::kActive : reconcile::StateFilter::kAll;
    auto discrepancies = reconciler.discrepancies(query);
    if (!discrepancies) return Response::from(discrepancies.error());
    Json list = Json::array();
    for (const auto& discrepancy : *discrepancies) list.push_back(discrepancy_json(discrepancy));
    return Response::json(200, {{"discrepancies", std::move(list)}});
  });
}

}  // namespace recount::hub
