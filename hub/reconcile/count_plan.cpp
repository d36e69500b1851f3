// Plans' selections, their periods and the due counts derived from each position's latest count.
#include "hub/reconcile/count_plan.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "shared/crypto/sha256.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub::reconcile {

enum class PlanPositions::Sql { kSites, kPositions, kCount };

namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

const std::string kSql[] = {
    // kSites
    "SELECT DISTINCT site FROM reconcile_positions ORDER BY site",
    // kPositions: each position of a site with its latest count group, if any, found through the
    // groups' (position_id, last_hlc) index.
    "SELECT p.location, p.sku, p.lot, p.on_hand, g.last_hlc, g.id FROM reconcile_positions p "
    "LEFT JOIN reconcile_groups g ON g.id = (SELECT l.id FROM reconcile_groups l WHERE l.position_id = p.id "
    "ORDER BY l.last_hlc DESC, l.id DESC LIMIT 1) WHERE p.site = ?1 ORDER BY p.location, p.sku, p.lot",
};

std::int64_t saturating_value(std::int64_t units, std::int64_t cost) {
  std::int64_t value = 0;
  if (units <= 0 || cost <= 0) return 0;
  return __builtin_mul_overflow(units, cost, &value) ? std::numeric_limits<std::int64_t>::max() : value;
}

std::int64_t saturating_sum(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<std::int64_t>::max() : sum;
}

template <typename Values, typename Value>
bool contains_or_empty(const Values& values, const Value& value) {
  return values.empty() || std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::string_view to_string(DueState state) {
  switch (state) {
    case DueState::kDue: return "due";
    case DueState::kOverdue: return "overdue";
    case DueState::kDone: return "done";
  }
  return "";
}

std::map<std::string, AbcClass, std::less<>> abc_classes(const std::vector<PlanPosition>& positions,
                                                         const AbcThresholds& thresholds) {
  std::map<std::string, std::int64_t, std::less<>> units;
  std::map<std::string, std::int64_t, std::less<>> costs;
  for (const auto& position : positions) {
    units[position.key.sku] = saturating_sum(units[position.key.sku], std::max<std::int64_t>(position.on_hand, 0));
    costs[position.key.sku] = position.unit_cost_cents;
  }
  std::vector<std::pair<std::int64_t, std::string>> ranked;
  long double total = 0;
  for (const auto& [sku, quantity] : units) {
    const std::int64_t value = saturating_value(quantity, costs[sku]);
    ranked.emplace_back(value, sku);
    total += static_cast<long double>(value);
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::map<std::string, AbcClass, std::less<>> classes;
  long double above = 0;  // value ranked above the current SKU
  const long double a_limit = total * static_cast<long double>(thresholds.a_percent) / 100;
  const long double b_limit = total * static_cast<long double>(thresholds.a_percent + thresholds.b_percent) / 100;
  for (const auto& [value, sku] : ranked) {
    const AbcClass abc = value == 0        ? AbcClass::kC
                         : above < a_limit ? AbcClass::kA
                         : above < b_limit ? AbcClass::kB
                                           : AbcClass::kC;
    classes.emplace(sku, abc);
    above += static_cast<long double>(value);
  }
  return classes;
}

bool selects(const CountPlan& plan, std::string_view site, AbcClass abc, std::string_view location_class) {
  return contains_or_empty(plan.sites, site) && contains_or_empty(plan.abc, abc) &&
         contains_or_empty(plan.location_classes, location_class);
}

std::vector<DueCount> evaluate_plans(const Policy& policy, std::string_view site,
                                     const std::vector<PlanPosition>& positions, std::int64_t now_ms) {
  std::vector<DueCount> due;
  if (policy.plans.empty()) return due;
  const auto classes = abc_classes(positions, policy.abc);
  for (const auto& plan : policy.plans) {
    if (now_ms < plan.start_ms || !contains_or_empty(plan.sites, site)) continue;
    const std::int64_t period = plan.every_days * kDayMs;
    const std::int64_t current = (now_ms - plan.start_ms) / period;
    for (const auto& position : positions) {
      const AbcClass abc = classes.find(position.key.sku)->second;
      if (!selects(plan, site, abc, position.location_class)) continue;
      // The first period whose count the latest count has not satisfied: the one after the
      // period it fell in, or the first when it came before the plan began.
      std::int64_t open = 0;
      if (position.last_count_ms && *position.last_count_ms >= plan.start_ms) {
        open = (*position.last_count_ms - plan.start_ms) / period + 1;
      }
      DueCount count{plan.name, plan.owner, position.key, abc, position.location_class, 0, 0, DueState::kDue, {}, {}};
      if (open > current) {
        count.opened_ms = plan.start_ms + current * period;
        count.state = DueState::kDone;
        count.counted_ms = position.last_count_ms;
        count.group_id = position.last_group_id;
      } else {
        count.opened_ms = plan.start_ms + open * period;
        count.state = open < current ? DueState::kOverdue : DueState::kDue;
      }
      count.due_ms = count.opened_ms + period;
      due.push_back(std::move(count));
    }
  }
  std::sort(due.begin(), due.end(), [](const DueCount& a, const DueCount& b) {
    return std::tie(a.due_ms, a.plan, a.position) < std::tie(b.due_ms, b.plan, b.position);
  });
  return due;
}

std::vector<protocol::RecountTask> planned_tasks(const std::vector<DueCount>& due, std::size_t limit) {
  std::vector<protocol::RecountTask> tasks;
  for (const auto& count : due) {
    if (tasks.size() >= limit) break;
    if (count.state == DueState::kDone) continue;
    // Codes hold no control characters (docs/protocol.md §2.2), so '\n' cannot run two apart.
    const std::string identity = count.plan + '\n' + count.position.site + '\n' + count.position.location + '\n' +
                                 count.position.sku + '\n' + count.position.lot + '\n' +
                                 std::to_string(count.opened_ms);
    protocol::RecountTask task;
    task.task_id = "pc-" + sha256_hex(identity).substr(0, 24);
    task.location = count.position.location;
    task.sku = count.position.sku;
    task.lot = count.position.lot;
    task.hint = "plan " + count.plan;
    // The policy takes any text as an owner; the hint is a code on the wire, so one that is not
    // (a control character, an edge space) is left out rather than spoil the whole list.
    if (validate_code("owner", count.owner, limits::kMaxCode)) task.hint += ", owner " + count.owner;
    task.created_ms = count.opened_ms;
    task.kind = protocol::TaskKind::kPlanned;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

Result<PlanPositions> PlanPositions::prepare(storage::Connection& database, const CatalogView& catalog) {
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return PlanPositions(std::move(*statements), catalog);
}

Result<std::vector<std::string>> PlanPositions::sites() {
  return storage::collect_rows<std::string>(
      statements_[Sql::kSites], [](storage::Statement& row) { return Result<std::string>(row.column_text(0)); });
}

Result<std::vector<PlanPosition>> PlanPositions::of_site(const std::string& site) {
  auto& statement = statements_[Sql::kPositions];
  statement.bind(1, site);
  return storage::collect_rows<PlanPosition>(statement, [&](storage::Statement& row) -> Result<PlanPosition> {
    PlanPosition position;
    position.key = PositionKey{site, row.column_text(0), row.column_text(1), row.column_text(2)};
    position.on_hand = row.column_int(3);
    if (!row.column_is_null(4)) {
      position.last_count_ms = row.column_hlc(4).wall_ms();
      position.last_group_id = row.column_int(5);
    }
    if (auto item = catalog_->item(site, position.key.sku)) position.unit_cost_cents = item->unit_cost_cents;
    position.location_class = catalog_->location_class(site, position.key.location);
    return position;
  });
}

}  // namespace recount::hub::reconcile
