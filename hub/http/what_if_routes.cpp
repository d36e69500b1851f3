// The what-if route: a checked candidate and window in, the engine's figures and examples out.
#include "hub/http/what_if_routes.hpp"

#include <string>

#include "hub/http/policy_routes.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/reconcile/what_if.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kDayMs = 86'400'000;

struct Preview {
  reconcile::Policy candidate;
  std::int64_t days = 30;
  reconcile::WhatIfQuery query;
};

Result<Preview> preview_of(const Request& request, std::int64_t now_ms) {
  Preview preview;
  auto days = request.integer("days", 30, 1, 366);
  if (!days) return days.error();
  preview.days = *days;
  auto examples = request.integer("examples", 3, 0, 100);
  if (!examples) return examples.error();
  preview.query.examples = static_cast<std::size_t>(*examples);
  if (const auto site = request.query.find("site"); site != request.query.end()) {
    if (auto ok = validate_identifier("site", site->second); !ok) return ok.error();
    preview.query.site = site->second;
  }
  preview.query.since_ms = now_ms - *days * kDayMs;
  auto candidate = policy_in_body(request);
  if (!candidate) return candidate.error();
  preview.candidate = std::move(*candidate);
  return preview;
}

Json tally_json(const reconcile::OutcomeTally& tally) {
  return {{"counts", tally.counts}, {"value_cents", tally.value_cents}};
}

Json figures_json(const reconcile::OutcomeFigures& figures) {
  return {{"flagged", tally_json(figures.flagged)},
          {"accepted", tally_json(figures.accepted)},
          {"recount", tally_json(figures.recount)},
          {"adjusted", tally_json(figures.adjusted)},
          {"approval", tally_json(figures.approval)}};
}

Json row_json(const reconcile::WhatIfRow& row) {
  return {{"site", row.site},       {"item_class", row.item_class},         {"counts", row.counts},
          {"changed", row.changed}, {"current", figures_json(row.current)}, {"candidate", figures_json(row.candidate)}};
}

Json example_json(const reconcile::WhatIfExample& example) {
  return {{"group_id", example.group_id},
          {"site", example.position.site},
          {"location", example.position.location},
          {"sku", example.position.sku},
          {"lot", example.position.lot},
          {"time_ms", example.time_ms},
          {"counted", example.counted},
          {"expected", example.expected},
          {"variance", example.variance},
          {"value_cents", example.value_cents},
          {"verdict_before", reconcile::to_string(example.verdict_before)},
          {"verdict_after", reconcile::to_string(example.verdict_after)},
          {"before", reconcile::to_string(example.before)},
          {"after", reconcile::to_string(example.after)}};
}

}  // namespace

void add_what_if_routes(Router& router, reconcile::PolicyPreview& preview, reconcile::Queries& queries,
                        WallClock wall) {
  router.add("POST", "/api/v1/policy/what-if", auth::Role::kViewer,
             [&preview, &queries, wall = std::move(wall)](const Request& request) {
               auto checked = preview_of(request, wall());
               if (!checked) return Response::from(checked.error());
               auto in_force = queries.policy_in_force();
               if (!in_force) return Response::from(in_force.error());
               auto what_if = preview.what_if(checked->candidate, checked->query);
               if (!what_if) return Response::from(what_if.error());
               Json rows = Json::array();
               for (const auto& row : what_if->rows) rows.push_back(row_json(row));
               Json examples = Json::array();
               for (const auto& example : what_if->examples) examples.push_back(example_json(example));
               return Response::json(200,
                                     {{"days", checked->days},
                                      {"since_ms", what_if->since_ms},
                                      {"site", checked->query.site.empty() ? Json(nullptr) : Json(checked->query.site)},
                                      {"policy_in_force", {{"version", in_force->version}}},
                                      {"counts", what_if->counts},
                                      {"changed", what_if->changed},
                                      {"current", figures_json(what_if->current)},
                                      {"candidate", figures_json(what_if->candidate)},
                                      {"rows", std::move(rows)},
                                      {"examples", std::move(examples)}});
             });
}

}  // namespace recount::hub
