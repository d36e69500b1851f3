// Count plans: ABC classes from value shares, selection by class, location class and site, the
// periods of a plan and which count is due, overdue or done; and the positions read from a real
// reconciler's tables.
#include "hub/reconcile/count_plan.hpp"

#include <doctest/doctest.h>

#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/reconcile/reconciler_fixture.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;
constexpr std::int64_t kStart = 1'767'225'600'000;  // 2026-01-01

PlanPosition at(std::string location, std::string sku, std::int64_t on_hand, std::int64_t cost,
                std::string location_class = "shelf", std::optional<std::int64_t> counted = std::nullopt) {
  PlanPosition position;
  position.key = PositionKey{"s1", std::move(location), std::move(sku), ""};
  position.on_hand = on_hand;
  position.unit_cost_cents = cost;
  position.location_class = std::move(location_class);
  position.last_count_ms = counted;
  if (counted) position.last_group_id = *counted / kDay;  // any id that tells the counts apart
  return position;
}

CountPlan plan(std::string name, std::vector<AbcClass> abc, std::vector<std::string> location_classes = {},
               std::int64_t every_days = 7) {
  CountPlan out;
  out.name = std::move(name);
  out.abc = std::move(abc);
  out.location_classes = std::move(location_classes);
  out.every_days = every_days;
  out.owner = "team-lead";
  out.start_ms = kStart;
  return out;
}

TEST_CASE("count plan: items are classed A, B and C by their share of the site's stock value") {
  // X is worth 800 of 1000, Y 150, Z 50 and W nothing; X's two positions add up.
  const std::vector<PlanPosition> positions{at("A-1", "X", 5, 100), at("A-2", "X", 3, 100), at("A-3", "Y", 15, 10),
                                            at("A-4", "Z", 5, 10),  at("A-5", "W", 9, 0),   at("A-6", "V", -4, 50)};
  const auto classes = abc_classes(positions, AbcThresholds{});
  CHECK(classes.at("X") == AbcClass::kA);
  CHECK(classes.at("Y") == AbcClass::kB);
  CHECK(classes.at("Z") == AbcClass::kC);
  CHECK(classes.at("W") == AbcClass::kC);
  CHECK(classes.at("V") == AbcClass::kC);  // a negative balance is worth nothing
  // Wider thresholds move the boundaries: with A at 90 % Y (ranked after 80 %) is A too, and Z
  // (after 95 %) is B under 96 %.
  const auto wide = abc_classes(positions, AbcThresholds{90, 6});
  CHECK(wide.at("Y") == AbcClass::kA);
  CHECK(wide.at("Z") == AbcClass::kB);
}

TEST_CASE("count plan: a plan selects positions by ABC class, location class and site together") {
  Policy policy;
  policy.plans = {plan("a-items", {AbcClass::kA}), plan("pick-faces", {}, {"pick"}),
                  plan("b-picks", {AbcClass::kB}, {"pick"})};
  CountPlan elsewhere = plan("other-site", {AbcClass::kA, AbcClass::kB, AbcClass::kC});
  elsewhere.sites = {"s2"};
  policy.plans.push_back(elsewhere);
  const std::vector<PlanPosition> positions{at("A-1", "X", 8, 100, "shelf"), at("P-1", "Y", 15, 10, "pick"),
                                            at("P-2", "Z", 5, 10, "pick")};
  const auto due = evaluate_plans(policy, "s1", positions, kStart + kDay);
  std::vector<std::pair<std::string, std::string>> selected;
  selected.reserve(due.size());
  for (const auto& count : due) selected.emplace_back(count.plan, count.position.location);
  std::sort(selected.begin(), selected.end());
  CHECK(selected == std::vector<std::pair<std::string, std::string>>{
                        {"a-items", "A-1"}, {"b-picks", "P-1"}, {"pick-faces", "P-1"}, {"pick-faces", "P-2"}});
  // At s2 the plan for s2 adds every position to the four the other plans select anywhere.
  CHECK(evaluate_plans(policy, "s2", positions, kStart + kDay).size() == 7);
}

TEST_CASE("count plan: each period asks one count, a count in it is done, a missed period is overdue") {
  Policy policy;
  policy.plans = {plan("weekly", {}, {"shelf"}, 7)};
  const std::int64_t now = kStart + 20 * kDay;  // in the third period: days 14 to 21
  const std::vector<PlanPosition> positions{
      at("A-1", "X", 1, 1, "shelf"),                       // never counted
      at("A-2", "X", 1, 1, "shelf", kStart + 15 * kDay),   // counted this period
      at("A-3", "X", 1, 1, "shelf", kStart + 10 * kDay),   // counted last period
      at("A-4", "X", 1, 1, "shelf", kStart + 3 * kDay),    // counted two periods ago
      at("A-5", "X", 1, 1, "shelf", kStart - 30 * kDay)};  // counted before the plan began
  const auto due = evaluate_plans(policy, "s1", positions, now);
  REQUIRE(due.size() == 5);
  std::map<std::string, DueCount> by_location;
  for (const auto& count : due) by_location.emplace(count.position.location, count);

  CHECK(by_location["A-1"].state == DueState::kOverdue);  // the first period's count was missed
  CHECK(by_location["A-1"].opened_ms == kStart);
  CHECK(by_location["A-1"].due_ms == kStart + 7 * kDay);
  CHECK(by_location["A-5"].state == DueState::kOverdue);
  CHECK(by_location["A-5"].due_ms == kStart + 7 * kDay);

  CHECK(by_location["A-2"].state == DueState::kDone);
  CHECK(by_location["A-2"].counted_ms == kStart + 15 * kDay);
  CHECK(by_location["A-2"].group_id == 15 + kStart / kDay);
  CHECK(by_location["A-2"].due_ms == kStart + 21 * kDay);

  CHECK(by_location["A-3"].state == DueState::kDue);
  CHECK(by_location["A-3"].opened_ms == kStart + 14 * kDay);
  CHECK(by_location["A-3"].due_ms == kStart + 21 * kDay);

  CHECK(by_location["A-4"].state == DueState::kOverdue);  // the second period's count was missed
  CHECK(by_location["A-4"].opened_ms == kStart + 7 * kDay);
  CHECK(by_location["A-4"].due_ms == kStart + 14 * kDay);

  // Most overdue first.
  CHECK(due.front().due_ms == kStart + 7 * kDay);
  CHECK(due.back().due_ms == kStart + 21 * kDay);
}

TEST_CASE("count plan: the open counts become planned tasks, most overdue first, without a quantity") {
  Policy policy;
  policy.plans = {plan("weekly", {}, {"shelf"}, 7)};
  const std::vector<PlanPosition> positions{
      at("A-1", "X", 5, 1, "shelf"),                      // overdue since the first period
      at("A-2", "X", 5, 1, "shelf", kStart + 15 * kDay),  // done
      at("A-3", "X", 5, 1, "shelf", kStart + 10 * kDay),  // due
      at("A-4", "X", 5, 1, "shelf", kStart + 3 * kDay)};  // overdue since the second period
  const auto due = evaluate_plans(policy, "s1", positions, kStart + 20 * kDay);
  const auto tasks = planned_tasks(due, kMaxPlannedTasks);
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].location == "A-1");
  CHECK(tasks[1].location == "A-4");
  CHECK(tasks[2].location == "A-3");
  for (const auto& task : tasks) {
    CHECK(task.kind == protocol::TaskKind::kPlanned);
    CHECK(task.sku == "X");
    CHECK(task.round == 1);
    CHECK(task.exclude_user.empty());
    CHECK(task.hint == "plan weekly, owner team-lead");
    CHECK(task.task_id.size() == 27);
    CHECK(task.task_id.starts_with("pc-"));
  }
  CHECK(tasks[1].created_ms == kStart + 7 * kDay);  // the opening of the period A-4 missed
  CHECK(planned_tasks(due, 2).size() == 2);
  CHECK(planned_tasks(due, 0).empty());

  // The same open count keeps its id, overdue too; once A-3 is counted, its next period's count
  // gets a new one.
  CHECK(planned_tasks(evaluate_plans(policy, "s1", positions, kStart + 20 * kDay + 1), 3) == tasks);
  CHECK(planned_tasks(evaluate_plans(policy, "s1", {positions[2]}, kStart + 22 * kDay), 3)[0].task_id ==
        tasks[2].task_id);
  const auto next_period = planned_tasks(
      evaluate_plans(policy, "s1", {at("A-3", "X", 5, 1, "shelf", kStart + 20 * kDay)}, kStart + 22 * kDay), 3);
  REQUIRE(next_period.size() == 1);
  CHECK(next_period[0].location == "A-3");
  CHECK(next_period[0].created_ms == kStart + 21 * kDay);
  CHECK(next_period[0].task_id != tasks[2].task_id);
}

TEST_CASE("count plan: an owner that is not a valid code is left out of the planned task's hint") {
  Policy policy;
  policy.plans = {plan("weekly", {}, {"shelf"}, 7)};
  policy.plans[0].owner = " night shift";
  const auto tasks = planned_tasks(evaluate_plans(policy, "s1", {at("A-1", "X", 5, 1)}, kStart + kDay), 1);
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].hint == "plan weekly");
}

TEST_CASE("count plan: any count at or after a due count's opening satisfies it, and a plan not begun asks none") {
  Policy policy;
  policy.plans = {plan("weekly", {AbcClass::kA}, {}, 7)};
  const std::int64_t now = kStart + 9 * kDay;
  auto due = evaluate_plans(policy, "s1", {at("A-1", "X", 1, 1, "shelf", kStart + 7 * kDay)}, now);
  REQUIRE(due.size() == 1);
  CHECK(due[0].state == DueState::kDone);  // counted at the very opening of the period
  due = evaluate_plans(policy, "s1", {at("A-1", "X", 1, 1, "shelf", kStart + 7 * kDay - 1)}, now);
  REQUIRE(due.size() == 1);
  CHECK(due[0].state == DueState::kDue);  // a millisecond before it belongs to the previous period
  CHECK(evaluate_plans(policy, "s1", {at("A-1", "X", 1, 1)}, kStart - 1).empty());
}

TEST_CASE("count plan: the positions of a site are read with their latest count, cost and location class") {
  recount::testing::WriteSide hub;
  hub.catalog.put(protocol::Catalog{"site-1",
                                    1,
                                    {protocol::CatalogItem{"SKU-1", "widget", 250, "", {}}},
                                    {protocol::CatalogLocation{"A-1", "A-1", "pick"}},
                                    {}});
  recount::testing::deliver(hub.store.ledger, hub.reconciler, recount::testing::shortage_events());
  auto positions = PlanPositions::prepare(hub.store.ledger.database(), hub.catalog);
  REQUIRE(positions.has_value());
  CHECK(positions->sites().value() == std::vector<std::string>{"site-1"});
  const auto read = positions->of_site("site-1").value();
  REQUIRE(read.size() == 1);
  CHECK(read[0].key == PositionKey{"site-1", "A-1", "SKU-1", ""});
  CHECK(read[0].unit_cost_cents == 250);
  CHECK(read[0].location_class == "pick");
  CHECK(read[0].on_hand == 10);
  REQUIRE(read[0].last_count_ms.has_value());
  CHECK(*read[0].last_count_ms == recount::testing::shortage_events()[1].wall_ms);
  CHECK(read[0].last_group_id.has_value());
  CHECK(positions->of_site("site-9").value().empty());
}

TEST_CASE_TEMPLATE("count plan: a position's latest count is the one latest in event time, not the one stored last",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::ReconcileFixture<Backend> hub;
  auto& m = hub.make;
  const Event later = m.count("A-1", "SKU-A", 4, 100, "u1", "cs-2");
  hub.deliver({m.baseline("A-1", "SKU-A", 4, 10), m.baseline("A-2", "SKU-A", 3, 10), later});
  hub.deliver(m.count("A-1", "SKU-A", 4, 50, "u1", "cs-1"));  // stored after, counted before
  auto positions = testing::must(PlanPositions::prepare(hub.database, hub.catalog));
  const auto read = testing::must(positions.of_site(std::string(testing::kSite)));
  REQUIRE(read.size() == 2);
  CHECK(read[0].key.location == "A-1");
  REQUIRE(read[0].last_count_ms.has_value());
  CHECK(*read[0].last_count_ms == later.wall_ms);
  const auto groups = hub.counts("A-1", "SKU-A");  // by event time
  REQUIRE(groups.size() == 2);
  CHECK(groups.back().id < groups.front().id);
  CHECK(read[0].last_group_id == groups.back().id);
  CHECK(read[0].unit_cost_cents == 250);
  CHECK(read[0].location_class == "shelf");
  CHECK_FALSE(read[1].last_count_ms.has_value());
}

}  // namespace
}  // namespace recount::hub::reconcile
