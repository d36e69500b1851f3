// The overview route: reconcile::Queries for the discrepancies and measures, the ledger's
// device table for the fleet.
#include "hub/http/overview_routes.hpp"

#include <set>
#include <string>

#include "hub/http/device_json.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json points_json(const std::vector<reconcile::MeasurePoint>& points) {
  Json list = Json::array();
  for (const auto& point : points) {
    list.push_back({{"from_ms", point.from_ms}, {"to_ms", point.to_ms}, {"value", optional_json(point.value)}});
  }
  return list;
}

Json measure_json(const char* period, Json points) { return {{"period", period}, {"points", std::move(points)}}; }

Json measures_json(const reconcile::Overview& overview) {
  Json write_offs = Json::array();
  for (const auto& point : overview.write_off_by_reason) {
    write_offs.push_back({{"from_ms", point.from_ms}, {"to_ms", point.to_ms}, {"by_reason", point.by_reason}});
  }
  return {{"variance_rate", measure_json("week", points_json(overview.variance_rate))},
          {"cycle_time_ms", measure_json("week", points_json(overview.cycle_time_ms))},
          {"write_off_by_reason", measure_json("month", std::move(write_offs))},
          {"resolution_time_ms", measure_json("week", points_json(overview.resolution_time_ms))}};
}

Json open_json(const reconcile::Overview& overview) {
  Json ages = Json::array();
  for (const auto& bucket : overview.open_by_age) {
    ages.push_back(
        {{"label", bucket.label}, {"max_age_ms", optional_json(bucket.max_age_ms)}, {"count", bucket.count}});
  }
  return {{"by_state", overview.open_by_state}, {"by_age", std::move(ages)}};
}

Json fleet_json(const std::vector<DeviceSummary>& devices, const std::string& site, std::int64_t lag_ms) {
  std::int64_t online = 0;
  std::int64_t offline = 0;
  std::uint64_t dead_letters = 0;
  Json list = Json::array();
  for (const DeviceSummary& device : devices) {
    if (!site.empty() && device.site != site) continue;
    const std::string state = device_state(device);
    (state == "online" ? online : offline) += 1;
    dead_letters += device.dead_letters;
    list.push_back({{"site", device.site},
                    {"device", device.device},
                    {"state", state},
                    {"backlog", device.status ? Json(device.status->status.backlog) : Json(nullptr)},
                    {"last_seen_ms", device.last_seen_ms},
                    {"skew_ms", device.status ? Json(device.status->status.skew_ms) : Json(nullptr)}});
  }
  return {{"online", online},
          {"offline", offline},
          {"dead_letters", dead_letters},
          {"ingest_lag_ms", lag_ms},
          {"devices", std::move(list)}};
}

}  // namespace

void add_overview_routes(Router& router, reconcile::Queries& queries, Ledger& ledger, WallClock wall) {
  router.add("GET", "/api/v1/overview", auth::Role::kViewer, [&queries, &ledger, wall](const Request& request) {
    std::string site;
    if (const auto found = request.query.find("site"); found != request.query.end()) {
      if (auto ok = validate_identifier("site", found->second); !ok) return Response::from(ok.error());
      site = found->second;
    }
    const std::int64_t now_ms = wall();
    auto overview = queries.overview({site, now_ms});
    if (!overview) return Response::from(overview.error());
    auto devices = ledger.events().devices();
    if (!devices) return Response::from(devices.error());
    // Sites with positions, and those whose devices have only talked so far.
    std::set<std::string> sites(overview->sites.begin(), overview->sites.end());
    for (const DeviceSummary& device : *devices) {
      if (site.empty() || device.site == site) sites.insert(device.site);
    }
    const std::int64_t lag_ms = overview->oldest_unapplied_ms ? now_ms - *overview->oldest_unapplied_ms : 0;
    return Response::json(200, {{"sites", sites},
                                {"open", open_json(*overview)},
                                {"value_at_risk_cents", overview->value_at_risk_cents},
                                {"measures", measures_json(*overview)},
                                {"fleet", fleet_json(*devices, site, lag_ms)}});
  });
}

}  // namespace recount::hub
