// The drift route: a checked scope in, investigate::DriftFinder's report out.
#include "hub/http/drift_routes.hpp"

#include <memory>
#include <string>
#include <utility>

#include "hub/http/reconcile_routes.hpp"
#include "hub/investigate/drift.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 1000;

std::string parameter(const Request& request, const std::string& name) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? std::string() : found->second;
}

Result<investigate::DriftQuery> query_of(const Request& request) {
  investigate::DriftQuery query;
  query.position = reconcile::PositionKey{parameter(request, "site"), parameter(request, "location"),
                                          parameter(request, "sku"), parameter(request, "lot")};
  const auto& position = query.position;
  if (auto ok = validate_identifier("site", position.site); !ok) return ok.error();
  for (const auto& [name, text] : {std::pair<std::string, const std::string*>{"location", &position.location},
                                   {"sku", &position.sku},
                                   {"lot", &position.lot}}) {
    if (auto ok = validate_code(name, *text, limits::kMaxCode, Presence::kOptional); !ok) return ok.error();
  }
  if (const auto system = parameter(request, "system"); !system.empty()) {
    if (auto ok = validate_identifier("system", system); !ok) return ok.error();
    if (!position.lot.empty()) return invalid("lot", "a system reports no lots");
    query.system = system;
  }
  if (!position.location.empty() && position.sku.empty()) return invalid("sku", "is required with location");
  if (!position.lot.empty() && position.location.empty()) return invalid("location", "is required with lot");
  query.scope = !position.location.empty() ? investigate::DriftScope::kPosition
                : !position.sku.empty()    ? investigate::DriftScope::kSku
                                           : investigate::DriftScope::kSite;
  auto limit = request.integer("limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit) return limit.error();
  query.limit = static_cast<std::size_t>(*limit);
  return query;
}

std::string_view scope_name(investigate::DriftScope scope) {
  switch (scope) {
    case investigate::DriftScope::kPosition: return "position";
    case investigate::DriftScope::kSku: return "sku";
    case investigate::DriftScope::kSite: return "site";
  }
  return "";
}

Json observation_json(const investigate::DriftObservation& observation) {
  return {{"hlc", observation.hlc.packed},    {"time_ms", observation.hlc.wall_ms()},
          {"group_id", observation.group_id}, {"snapshot_id", observation.snapshot_id},
          {"event_id", observation.event_id}, {"user", observation.user},
          {"expected", observation.expected}, {"counted", observation.counted},
          {"variance", observation.variance}};
}

Json drift_json(const investigate::PositionDrift& drift) {
  Json candidates = Json::array();
  for (const auto& candidate : drift.candidates) {
    candidates.push_back({{"kind", investigate::to_string(candidate.kind)},
                          {"score", candidate.score},
                          {"explanation", candidate.explanation},
                          {"evidence", candidate.evidence}});
  }
  Json around = Json::array();
  for (const auto& entry : drift.around) around.push_back(history_entry_json(entry));
  return {{"system", drift.system},
          {"site", drift.position.site},
          {"location", drift.position.location},
          {"sku", drift.position.sku},
          {"lot", drift.position.lot},
          {"known_good", drift.known_good ? observation_json(*drift.known_good) : Json(nullptr)},
          {"origin", observation_json(drift.origin)},
          {"latest", observation_json(drift.latest)},
          {"diverged_observations", drift.diverged_observations},
          {"candidates", std::move(candidates)},
          {"around", std::move(around)}};
}

}  // namespace

Result<void> add_drift_routes(Router& router, storage::Connection& database, const reconcile::CatalogView& catalog,
                              reconcile::Queries& queries, const WallClock& wall) {
  auto prepared = investigate::DriftFinder::prepare(database, catalog);
  if (!prepared) return prepared.error();
  // Router handlers are copied; they share the one finder and its prepared statements.
  auto finder = std::make_shared<investigate::DriftFinder>(std::move(*prepared));
  router.add("GET", "/api/v1/drift", auth::Role::kViewer, [finder, &queries, wall](const Request& request) {
    auto query = query_of(request);
    if (!query) return Response::from(query.error());
    auto policy = queries.policy_in_force();
    if (!policy) return Response::from(policy.error());
    investigate::DriftSettings settings;
    settings.now_ms = wall();
    settings.ambiguity_window_ms = policy->policy.ambiguity_window_ms;
    auto report = finder->find(*query, settings);
    if (!report && report.error().code == ErrorCode::kNotFound) {
      return Response::error(404, "not_found", report.error().message);
    }
    if (!report) return Response::from(report.error());
    Json drifts = Json::array();
    for (const auto& drift : report->drifts) drifts.push_back(drift_json(drift));
    return Response::json(200, {{"scope", scope_name(query->scope)},
                                {"system", query->system},
                                {"site", query->position.site},
                                {"location", query->position.location},
                                {"sku", query->position.sku},
                                {"lot", query->position.lot},
                                {"limit", query->limit},
                                {"settings",
                                 {{"ambiguity_window_ms", settings.ambiguity_window_ms},
                                  {"put_away_ms", settings.put_away_ms},
                                  {"clock_skew_limit_ms", settings.clock_skew_limit_ms}}},
                                {"positions_examined", report->positions_examined},
                                {"positions_drifting", report->positions_drifting},
                                {"truncated", report->truncated},
                                {"drifts", std::move(drifts)}});
  });
  return {};
}

}  // namespace recount::hub
