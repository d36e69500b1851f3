// The plan routes: the policy's plans evaluated over each site's positions as of now.
#include "hub/http/plan_routes.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/reconcile/count_plan.hpp"
#include "hub/reconcile/queries.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;
using reconcile::DueCount;
using reconcile::DueState;

constexpr std::int64_t kDefaultLimit = 1000;
constexpr std::int64_t kMaxLimit = 10'000;

// Which due counts GET /api/v1/due lists.
enum class StateFilter { kOpen, kDue, kOverdue, kDone };

std::optional<StateFilter> state_filter_of(std::string_view name) {
  if (name.empty() || name == "open") return StateFilter::kOpen;
  if (name == "due") return StateFilter::kDue;
  if (name == "overdue") return StateFilter::kOverdue;
  if (name == "done") return StateFilter::kDone;
  return std::nullopt;
}

bool passes(StateFilter filter, DueState state) {
  switch (filter) {
    case StateFilter::kOpen: return state != DueState::kDone;
    case StateFilter::kDue: return state == DueState::kDue;
    case StateFilter::kOverdue: return state == DueState::kOverdue;
    case StateFilter::kDone: return state == DueState::kDone;
  }
  return false;
}

// The site parameter: "" (every site) or a valid identifier.
Result<std::string> site_of(const Request& request) {
  const auto found = request.query.find("site");
  if (found == request.query.end()) return std::string();
  if (auto ok = validate_identifier("site", found->second); !ok) return ok.error();
  return found->second;
}

Json strings_json(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const auto& value : values) out.push_back(value);
  return out;
}

Json due_json(const DueCount& count) {
  return {{"plan", count.plan},
          {"owner", count.owner},
          {"site", count.position.site},
          {"location", count.position.location},
          {"sku", count.position.sku},
          {"lot", count.position.lot},
          {"abc", reconcile::to_string(count.abc)},
          {"location_class", count.location_class},
          {"opened_ms", count.opened_ms},
          {"due_ms", count.due_ms},
          {"state", reconcile::to_string(count.state)},
          {"overdue", count.state == DueState::kOverdue},
          {"counted_ms", count.counted_ms ? Json(*count.counted_ms) : Json(nullptr)},
          {"group_id", count.group_id ? Json(*count.group_id) : Json(nullptr)}};
}

// Evaluates the plans in force over one site, or every site when `site` is "".
class PlanEvaluator {
 public:
  PlanEvaluator(reconcile::PlanPositions positions, reconcile::Queries& queries)
      : positions_(std::move(positions)), queries_(&queries) {}

  Result<std::vector<DueCount>> due(const std::string& site, const reconcile::Policy& policy, std::int64_t now_ms) {
    std::vector<std::string> sites{site};
    if (site.empty()) {
      auto all = positions_.sites();
      if (!all) return all.error();
      sites = std::move(*all);
    }
    std::vector<DueCount> due;
    for (const auto& each : sites) {
      auto positions = positions_.of_site(each);
      if (!positions) return positions.error();
      auto counts = reconcile::evaluate_plans(policy, each, *positions, now_ms);
      due.insert(due.end(), std::make_move_iterator(counts.begin()), std::make_move_iterator(counts.end()));
    }
    if (sites.size() > 1) {
      std::stable_sort(due.begin(), due.end(),
                       [](const DueCount& a, const DueCount& b) { return a.due_ms < b.due_ms; });
    }
    return due;
  }

  reconcile::Queries& queries() { return *queries_; }

 private:
  reconcile::PlanPositions positions_;
  reconcile::Queries* queries_;
};

}  // namespace

Result<void> add_plan_routes(Router& router, storage::Connection& database, const reconcile::CatalogView& catalog,
                             reconcile::Queries& queries, const WallClock& wall) {
  auto positions = reconcile::PlanPositions::prepare(database, catalog);
  if (!positions) return positions.error();
  // Router handlers are copied; they share the one evaluator and its prepared statements.
  auto evaluator = std::make_shared<PlanEvaluator>(std::move(*positions), queries);

  router.add("GET", "/api/v1/plans", auth::Role::kViewer, [evaluator, wall](const Request& request) {
    auto site = site_of(request);
    if (!site) return Response::from(site.error());
    auto policy = evaluator->queries().policy_in_force();
    if (!policy) return Response::from(policy.error());
    const std::int64_t now_ms = wall();
    auto due = evaluator->due(*site, policy->policy, now_ms);
    if (!due) return Response::from(due.error());
    struct Tally {
      std::int64_t positions = 0, due = 0, overdue = 0, done = 0;
    };
    std::map<std::string, Tally> tallies;
    for (const auto& count : *due) {
      Tally& tally = tallies[count.plan];
      ++tally.positions;
      ++(count.state == DueState::kDue ? tally.due : count.state == DueState::kOverdue ? tally.overdue : tally.done);
    }
    Json plans = Json::array();
    for (const auto& plan : policy->policy.plans) {
      Json abc = Json::array();
      for (const auto value : plan.abc) abc.push_back(reconcile::to_string(value));
      const Tally tally = tallies[plan.name];
      plans.push_back({{"name", plan.name},
                       {"sites", strings_json(plan.sites)},
                       {"abc", std::move(abc)},
                       {"location_classes", strings_json(plan.location_classes)},
                       {"every_days", plan.every_days},
                       {"owner", plan.owner},
                       {"start_ms", plan.start_ms},
                       {"positions", tally.positions},
                       {"due", tally.due},
                       {"overdue", tally.overdue},
                       {"done", tally.done}});
    }
    return Response::json(
        200, {{"now_ms", now_ms},
              {"site", site->empty() ? Json(nullptr) : Json(*site)},
              {"policy_version", policy->version},
              {"abc", {{"a_percent", policy->policy.abc.a_percent}, {"b_percent", policy->policy.abc.b_percent}}},
              {"plans", std::move(plans)}});
  });

  router.add("GET", "/api/v1/due", auth::Role::kViewer, [evaluator, wall](const Request& request) {
    auto site = site_of(request);
    if (!site) return Response::from(site.error());
    const auto state_name = request.query.find("state");
    const auto filter = state_filter_of(state_name == request.query.end() ? "" : state_name->second);
    if (!filter) return Response::from(invalid("state", "must be open, due, overdue or done"));
    auto limit = request.integer("limit", kDefaultLimit, 1, kMaxLimit);
    if (!limit) return Response::from(limit.error());
    auto policy = evaluator->queries().policy_in_force();
    if (!policy) return Response::from(policy.error());
    const std::int64_t now_ms = wall();
    auto due = evaluator->due(*site, policy->policy, now_ms);
    if (!due) return Response::from(due.error());
    Json counts = Json::array();
    std::int64_t total = 0;
    for (const auto& count : *due) {
      if (!passes(*filter, count.state)) continue;
      if (++total <= *limit) counts.push_back(due_json(count));
    }
    return Response::json(200, {{"now_ms", now_ms},
                                {"site", site->empty() ? Json(nullptr) : Json(*site)},
                                {"counts", std::move(counts)},
                                {"total", total},
                                {"truncated", total > *limit}});
  });
  return {};
}

}  // namespace recount::hub
