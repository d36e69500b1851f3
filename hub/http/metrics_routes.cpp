// The metrics route: a checked window in, the per-site figures of reconcile::Queries out.
#include "hub/http/metrics_routes.hpp"

#include <limits>
#include <string>

#include "hub/reconcile/queries.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kOpenEnd = std::numeric_limits<std::int64_t>::max();

Json site_json(const reconcile::SiteMetrics& metrics) {
  return {{"site", metrics.site},
          {"counts", metrics.counts},
          {"exact", metrics.exact},
          {"within_tolerance", metrics.within_tolerance},
          {"ambiguous", metrics.ambiguous},
          {"out_of_tolerance", metrics.out_of_tolerance},
          {"variance_rate", metrics.variance_rate},
          {"discrepancies_opened", metrics.discrepancies_opened},
          {"discrepancies_closed", metrics.discrepancies_closed},
          {"write_off_cents", metrics.write_off_cents},
          {"found_cents", metrics.found_cents},
          {"mean_resolution_ms", metrics.mean_resolution_ms ? Json(*metrics.mean_resolution_ms) : Json(nullptr)}};
}

Result<reconcile::MetricsQuery> query_of(const Request& request) {
  reconcile::MetricsQuery query;
  if (const auto site = request.query.find("site"); site != request.query.end()) {
    if (auto ok = validate_identifier("site", site->second); !ok) return ok.error();
    query.site = site->second;
  }
  auto from = request.integer("from", 0, 0, kOpenEnd - 1);
  if (!from) return from.error();
  auto to = request.integer("to", kOpenEnd, 1, kOpenEnd);
  if (!to) return to.error();
  if (*to <= *from) return invalid("to", "must be later than from (" + std::to_string(*from) + ")");
  query.from_ms = *from;
  query.to_ms = *to;
  return query;
}

}  // namespace

void add_metrics_routes(Router& router, reconcile::Queries& queries) {
  router.add("GET", "/api/v1/metrics", auth::Role::kViewer, [&queries](const Request& request) {
    auto query = query_of(request);
    if (!query) return Response::from(query.error());
    auto metrics = queries.metrics(*query);
    if (!metrics) return Response::from(metrics.error());
    Json sites = Json::array();
    for (const auto& site : *metrics) sites.push_back(site_json(site));
    return Response::json(200, {{"from_ms", query->from_ms},
                                {"to_ms", query->to_ms == kOpenEnd ? Json(nullptr) : Json(query->to_ms)},
                                {"sites", std::move(sites)}});
  });
}

}  // namespace recount::hub
