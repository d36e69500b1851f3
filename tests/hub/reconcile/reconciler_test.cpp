// The reconciliation engine end to end, one table row per rule: late events in either direction,
// counters adding up, ambiguous counts, pack-size errors, approval, rounds, the different-counter
// rule and location_closed zeros; then the audit trail, re-evaluation, arrival-order independence
// and a larger smoke run.
#include "hub/reconcile/reconciler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <tuple>
#include <type_traits>

#include "shared/protocol/codec.hpp"
#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::EventMaker;
using testing::kSite;
using testing::must;
using testing::ReconcileFixture;

// Zero tolerance, a 60 s ambiguity window, two recount rounds and a 50.00 approval limit.
constexpr std::string_view kTestPolicy =
    R"({"ambiguity_window_ms": 60000, "max_recount_rounds": 2, "approval_limit_cents": 5000})";

// One batch from a device, or an operator's action on a discrepancy; time may move on first.
struct Step {
  std::vector<Event> events;
  std::string device = "hh-1";
  std::optional<std::pair<std::int64_t, OperatorAction>> action;
  std::int64_t advance_ms = 0;
};

Step batch(std::vector<Event> events, std::string device = "hh-1") {
  return Step{std::move(events), std::move(device), {}, 0};
}
Step operator_action(std::int64_t id, OperatorAction action) { return Step{{}, "", std::pair{id, action}, 0}; }
Step later(std::int64_t ms) { return Step{{}, "hh-1", {}, ms}; }

struct Expect {
  std::string location = "A-1";
  std::string sku = "SKU-A";
  std::optional<Verdict> verdict;  // of the position's newest count; nullopt: it has none
  std::int64_t discrepancy = 1;    // which one the lines below describe
  std::string state;               // "" when it must not exist
  std::string resolution = "none";
  std::string classification;
  std::int64_t variance = 0;
  std::uint32_t round = 0;
  std::vector<std::int64_t> adjustments;  // quantities handed back, in order
  std::size_t open_tasks = 0;
  std::string hint;  // a part of the first open task's hint
};

struct Scenario {
  std::string name;
  std::string policy;  // "" for kTestPolicy
  std::vector<Step> steps;
  Expect expect;
};

// Rows name only the expectations that matter to them; g++ before 14 warns about the members a
// designated initializer leaves to their defaults, which is the point here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<Scenario> scenarios() {
  EventMaker m;
  const auto base = [&m](std::int64_t qty, const std::string& sku = "SKU-A") { return m.baseline("A-1", sku, qty, 0); };
  return {
      {"a count that matches the ledger is accepted and kept",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 100, "u1")})},
       {.verdict = Verdict::kAccepted}},
      {"a shortage opens a discrepancy and asks for a blind recount",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")})},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .open_tasks = 1}},
      {"a late sale before the count clears the shortage it explains",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}), batch({m.sale("A-1", "SKU-A", 3, 10)}, "pos-1")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "late_movement",
        .classification = "variance",
        .round = 1}},
      {"a late receipt before the count clears the overage it explains",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 13, 100, "u1")}), batch({m.receive("A-1", "SKU-A", 3, 10)}, "hh-2")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "late_movement",
        .classification = "variance",
        .round = 1}},
      {"a late receipt before an accepted count creates a shortage",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 100, "u1")}), batch({m.receive("A-1", "SKU-A", 5, 10)}, "hh-2")},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -5,
        .round = 1,
        .open_tasks = 1}},
      {"a late sale before an accepted count creates an overage",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 100, "u1")}), batch({m.sale("A-1", "SKU-A", 4, 10)}, "pos-1")},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = 4,
        .round = 1,
        .open_tasks = 1}},
      {"a late movement after the count leaves its verdict alone",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 100, "u1")}), batch({m.sale("A-1", "SKU-A", 4, 500)}, "pos-1")},
       {.verdict = Verdict::kAccepted}},
      {"two counters in one session add up, even when the second syncs later",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 4, 100, "u1", "cs-1")}),
        batch({m.count("A-1", "SKU-A", 6, 110, "u2", "cs-1")}, "hh-2")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "count_completed",
        .classification = "variance",
        .round = 1}},
      {"with a settle delay, a session's batches are judged together",
       R"({"settle_delay_ms": 30000})",
       {batch({base(10), m.count("A-1", "SKU-A", 4, 100, "u1", "cs-1")}),
        batch({m.count("A-1", "SKU-A", 6, 110, "u2", "cs-1")}, "hh-2"), later(30'000)},
       {.verdict = Verdict::kAccepted}},
      {"stock moved within the window makes a count ambiguous: a recount, not a variance",
       "",
       {batch({base(10), m.sale("A-1", "SKU-A", 2, 100), m.count("A-1", "SKU-A", 10, 130, "u1")})},
       {.verdict = Verdict::kAmbiguous,
        .state = "recount_requested",
        .classification = "ambiguous",
        .variance = 2,
        .round = 1,
        .open_tasks = 1,
        .hint = "stock moved"}},
      {"an ambiguous count within tolerance is accepted",
       "",
       {batch({base(10), m.sale("A-1", "SKU-A", 2, 100), m.count("A-1", "SKU-A", 8, 130, "u1")})},
       {.verdict = Verdict::kAccepted}},
      {"stock moved outside the window leaves a plain variance",
       "",
       {batch({base(10), m.sale("A-1", "SKU-A", 2, 100), m.count("A-1", "SKU-A", 10, 200, "u1")})},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = 2,
        .round = 1,
        .open_tasks = 1}},
      {"a late movement inside the window turns a variance into an ambiguous count",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 12, 130, "u1")}), batch({m.sale("A-1", "SKU-A", 2, 100)}, "pos-1")},
       {.verdict = Verdict::kAmbiguous,
        .state = "recount_requested",
        .classification = "ambiguous",
        .variance = 4,
        .round = 1,
        .open_tasks = 1}},
      {"counting twelve times what the ledger holds is a unit-of-measure error",
       "",
       {batch({base(5), m.count("A-1", "SKU-A", 60, 100, "u1")})},
       {.verdict = Verdict::kUomError,
        .state = "recount_requested",
        .classification = "uom_error",
        .variance = 55,
        .round = 1,
        .open_tasks = 1,
        .hint = "packs of 12"}},
      {"a variance of exactly one case is a unit-of-measure error",
       "",
       {batch({base(30), m.count("A-1", "SKU-A", 18, 100, "u1")})},
       {.verdict = Verdict::kUomError,
        .state = "recount_requested",
        .classification = "uom_error",
        .variance = -12,
        .round = 1,
        .open_tasks = 1,
        .hint = "uom_error"}},
      {"a confirmed unit-of-measure error waits for approval however little it is worth",
       "",
       {batch({base(1), m.count("A-1", "SKU-A", 12, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 12, 200, "u2", "", "rt-1-1")}, "hh-2")},
       {.verdict = Verdict::kUomError,
        .state = "awaiting_approval",
        .classification = "uom_error",
        .variance = 11,
        .round = 1}},
      {"a confirmed variance below the approval limit is adjusted automatically",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 7, 200, "u2", "", "rt-1-1")}, "hh-2")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "adjusted",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .adjustments = {-3}}},
      {"a confirmed variance at the approval limit or above waits for an operator",
       "",
       {batch({base(10, "SKU-B"), m.count("A-1", "SKU-B", 9, 100, "u1")}),
        batch({m.count("A-1", "SKU-B", 9, 200, "u2", "", "rt-1-1")}, "hh-2")},
       {.sku = "SKU-B",
        .verdict = Verdict::kOutOfTolerance,
        .state = "awaiting_approval",
        .classification = "variance",
        .variance = -1,
        .round = 1}},
      {"an operator's approval adjusts the ledger and closes the discrepancy",
       "",
       {batch({base(10, "SKU-B"), m.count("A-1", "SKU-B", 9, 100, "u1")}),
        batch({m.count("A-1", "SKU-B", 9, 200, "u2", "", "rt-1-1")}, "hh-2"),
        operator_action(1, OperatorAction::kApprove)},
       {.sku = "SKU-B",
        .verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "approved",
        .classification = "variance",
        .variance = -1,
        .round = 1,
        .adjustments = {-1}}},
      {"an operator's rejection closes without adjusting",
       "",
       {batch({base(10, "SKU-B"), m.count("A-1", "SKU-B", 9, 100, "u1")}),
        batch({m.count("A-1", "SKU-B", 9, 200, "u2", "", "rt-1-1")}, "hh-2"),
        operator_action(1, OperatorAction::kReject)},
       {.sku = "SKU-B",
        .verdict = Verdict::kOutOfTolerance,
        .state = "closed",
        .resolution = "rejected",
        .classification = "variance",
        .variance = -1,
        .round = 1}},
      {"a write-off adjusts at once and cancels the recount",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}), operator_action(1, OperatorAction::kWriteOff)},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "written_off",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .adjustments = {-3}}},
      {"a recount that agrees with the ledger closes the discrepancy as a count error",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 10, 200, "u2", "", "rt-1-1")}, "hh-2")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "count_error",
        .classification = "variance",
        .round = 1}},
      {"recounts that keep disagreeing go to an operator after the last round",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 5, 200, "u2", "", "rt-1-1")}, "hh-2"),
        batch({m.count("A-1", "SKU-A", 3, 300, "u3", "", "rt-1-2")}, "hh-3")},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "awaiting_review",
        .classification = "variance",
        .variance = -7,
        .round = 2}},
      {"no recount rounds send a discrepancy straight to an operator",
       R"({"max_recount_rounds": 0})",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")})},
       {.verdict = Verdict::kOutOfTolerance, .state = "awaiting_review", .classification = "variance", .variance = -3}},
      {"the first counter's own recount is refused and the task stays open",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 7, 200, "u1", "", "rt-1-1")})},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .open_tasks = 1}},
      {"after a refused recount, another counter's recount is taken",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 7, 200, "u1", "", "rt-1-1")}),
        batch({m.count("A-1", "SKU-A", 7, 300, "u2", "", "rt-1-1")}, "hh-2")},
       {.verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "adjusted",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .adjustments = {-3}}},
      {"location_closed turns an expected but unscanned SKU into a counted zero",
       "",
       {batch({base(10), base(2, "SKU-B"), m.count("A-1", "SKU-A", 10, 100, "u1", "cs-1"),
               m.close("A-1", 120, "u1", "cs-1")})},
       {.sku = "SKU-B",
        .verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -2,
        .round = 1,
        .open_tasks = 1}},
      {"a count and close for a task the hub never opened (a planned count) are one ordinary session",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 100, "u1", "cs-1", "pc-0123456789abcdef01234567"),
               m.close("A-1", 120, "u1", "cs-1", "pc-0123456789abcdef01234567")})},
       {.verdict = Verdict::kAccepted}},
      {"location_closed makes no zero where the ledger expects nothing",
       "",
       {batch({base(2, "SKU-B"), m.sale("A-1", "SKU-B", 2, 10), m.close("A-1", 120, "u1", "cs-1")})},
       {.sku = "SKU-B"}},
      {"a late receipt before a close creates the zero the close implies",
       "",
       {batch({m.close("A-1", 120, "u1", "cs-1")}), batch({m.receive("A-1", "SKU-B", 2, 50)}, "hh-2")},
       {.sku = "SKU-B",
        .verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -2,
        .round = 1,
        .open_tasks = 1}},
      {"a count of the closing session that syncs after the close replaces the zero",
       "",
       {batch({base(2, "SKU-B"), m.close("A-1", 120, "u1", "cs-1")}),
        batch({m.count("A-1", "SKU-B", 2, 90, "u2", "cs-1")}, "hh-2")},
       {.sku = "SKU-B",
        .verdict = Verdict::kAccepted,
        .state = "closed",
        .resolution = "count_completed",
        .classification = "variance",
        .round = 1}},
      {"an older count that syncs after a newer accepted one opens nothing",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 10, 200, "u1")}),
        batch({m.count("A-1", "SKU-A", 7, 100, "u2")}, "hh-2")},
       {.verdict = Verdict::kAccepted}},
      {"a late sale before an adjusted count opens a new discrepancy for the over-correction",
       "",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")}),
        batch({m.count("A-1", "SKU-A", 7, 200, "u2", "", "rt-1-1")}, "hh-2"),
        batch({m.sale("A-1", "SKU-A", 2, 50)}, "pos-1")},
       {.verdict = Verdict::kOutOfTolerance,
        .discrepancy = 2,
        .state = "recount_requested",
        .classification = "variance",
        .variance = 2,
        .round = 1,
        .adjustments = {-3},
        .open_tasks = 1}},
      {"a count within the value limit of its SKU's rule is accepted",
       R"({"tolerances": [{"scope": {"sku": "SKU-A"}, "shortage": {"value_cents": 750}, "overage": {}}]})",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")})},
       {.verdict = Verdict::kAccepted}},
      {"a count beyond the value limit of its SKU's rule opens a discrepancy",
       R"({"tolerances": [{"scope": {"sku": "SKU-A"}, "shortage": {"value_cents": 749}, "overage": {}}]})",
       {batch({base(10), m.count("A-1", "SKU-A", 7, 100, "u1")})},
       {.verdict = Verdict::kOutOfTolerance,
        .state = "recount_requested",
        .classification = "variance",
        .variance = -3,
        .round = 1,
        .open_tasks = 1}},
  };
}
#pragma GCC diagnostic pop

TEST_CASE_TEMPLATE("reconcile: every rule's scenario ends as the table says", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  for (const Scenario& scenario : scenarios()) {
    CAPTURE(scenario.name);
    ReconcileFixture<Backend> fixture;
    fixture.set_policy(scenario.policy.empty() ? kTestPolicy : std::string_view(scenario.policy));
    for (const Step& step : scenario.steps) {
      fixture.now_ms += step.advance_ms;
      if (step.action) {
        fixture.resolve(step.action->first, step.action->second);
      } else {
        fixture.deliver(step.events, step.device);
      }
    }
    const Expect& expect = scenario.expect;
    const auto groups = fixture.counts(expect.location, expect.sku);
    const CountGroup* newest = nullptr;
    for (const auto& group : groups) {
      if (!group.is_void() && group.role != GroupRole::kRefused) newest = &group;
    }
    if (expect.verdict) {
      REQUIRE(newest != nullptr);
      CHECK(newest->verdict == expect.verdict);
    } else {
      CHECK(newest == nullptr);
    }
    const auto all = fixture.discrepancies();
    const auto found = std::find_if(all.begin(), all.end(), [&](const auto& d) { return d.id == expect.discrepancy; });
    if (expect.state.empty()) {
      CHECK(found == all.end());
    } else {
      REQUIRE(found != all.end());
      CHECK(found->position.sku == expect.sku);
      CHECK(to_string(found->state) == expect.state);
      CHECK(to_string(found->resolution) == expect.resolution);
      CHECK(to_string(found->classification) == expect.classification);
      CHECK(found->variance == expect.variance);
      CHECK(found->round == expect.round);
    }
    std::vector<std::int64_t> quantities;
    for (const auto& adjustment : fixture.adjustments) quantities.push_back(adjustment.event.qty);
    CHECK(quantities == expect.adjustments);
    const auto tasks = fixture.tasks();
    CHECK(tasks.tasks.size() == expect.open_tasks);
    if (!expect.hint.empty()) {
      REQUIRE_FALSE(tasks.tasks.empty());
      CHECK(tasks.tasks.front().hint.find(expect.hint) != std::string::npos);
    }
  }
}

TEST_CASE_TEMPLATE("reconcile: a recount task is blind, excludes the first counter and is published with a new version",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  const Effects effects =
      fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 7, 100, "u1")});
  CHECK(effects.task_sites == std::vector<std::string>{std::string(kSite)});
  const protocol::TaskList list = fixture.tasks();
  CHECK(list.version == 1);
  REQUIRE(list.tasks.size() == 1);
  const protocol::RecountTask& task = list.tasks[0];
  CHECK(task.task_id == "rt-1-1");
  CHECK(task.location == "A-1");
  CHECK(task.sku == "SKU-A");
  CHECK(task.round == 1);
  CHECK(task.exclude_user == "u1");
  CHECK(task.created_ms == fixture.now_ms);
  // Nothing the devices receive may carry the ledger's quantity.
  const std::string payload = protocol::encode(list);
  CHECK(payload.find("expected") == std::string::npos);
  CHECK(payload.find("10") == std::string::npos);
  CHECK(must(protocol::decode_task_list(payload)) == list);

  CHECK(must(fixture.reconciler.sites_awaiting_task_ack()) == std::vector<std::string>{std::string(kSite)});
  fixture.deliver(fixture.make.ack("rt-1-1", 150), "hh-2");
  CHECK(must(fixture.reconciler.sites_awaiting_task_ack()).empty());
  const auto task_rows = must(fixture.queries.tasks(std::string(kSite), TaskFilter::kAll, 1000));
  REQUIRE(task_rows.size() == 1);
  CHECK(task_rows[0].acked_device == "hh-2");
  CHECK(task_rows[0].acked_ms == fixture.now_ms);
}

TEST_CASE_TEMPLATE(
    "reconcile: every transition is timestamped with its actor and cause, audited, and the chain verifies", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  const Event count = fixture.make.count("A-1", "SKU-A", 7, 100, "u1");
  const Event recount = fixture.make.count("A-1", "SKU-A", 7, 200, "u2", "", "rt-1-1");
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), count});
  fixture.now_ms += 60'000;
  fixture.deliver(recount, "hh-2");

  const DiscrepancyDetail detail = must(fixture.queries.discrepancy(1));
  std::vector<std::tuple<std::string, std::string, std::string>> steps;
  for (const Transition& t : detail.transitions) {
    steps.emplace_back(std::string(to_string(t.to)), std::string(to_string(t.actor.kind)), t.actor.id);
  }
  using Row = std::tuple<std::string, std::string, std::string>;
  CHECK(steps == std::vector<Row>{Row{"open", "user", "u1"}, Row{"recount_requested", "system", ""},
                                  Row{"recounted", "user", "u2"}, Row{"confirmed", "system", ""},
                                  Row{"adjusted", "system", ""}, Row{"closed", "system", ""}});
  CHECK(detail.transitions[0].cause_event_id == count.event_id);
  CHECK(detail.transitions[2].cause_event_id == recount.event_id);
  CHECK(detail.transitions[0].at_ms == testing::kNowMs);
  CHECK(detail.transitions[5].at_ms == testing::kNowMs + 60'000);
  CHECK(detail.discrepancy.opened_ms == testing::kNowMs);
  CHECK(detail.discrepancy.closed_ms == testing::kNowMs + 60'000);
  REQUIRE(detail.tasks.size() == 1);
  CHECK(detail.tasks[0].state == TaskState::kDone);

  const auto verification = must(fixture.audit.verify());
  CHECK_FALSE(verification.broken_id.has_value());
  const auto entries = must(fixture.audit.entries(0, 100));
  const auto transitions = std::count_if(entries.begin(), entries.end(),
                                         [](const AuditEntry& e) { return e.kind == "reconcile.transition"; });
  CHECK(transitions == 6);
  CHECK(entries.front().kind == "reconcile.policy");
}

TEST_CASE_TEMPLATE("reconcile: an adjustment is a valid adjust event with its value, taking effect as of the count",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 7, 100, "u1")});
  const Event recount = fixture.make.count("A-1", "SKU-A", 7, 200, "u2", "", "rt-1-1");
  fixture.deliver(recount, "hh-2");
  REQUIRE(fixture.adjustments.size() == 1);
  const Adjustment& adjustment = fixture.adjustments[0];
  CHECK(adjustment.discrepancy_id == 1);
  CHECK(adjustment.value_cents == -750);
  CHECK(adjustment.event.type == EventType::kAdjust);
  CHECK(adjustment.event.reason == ReasonCode::kShrinkage);
  CHECK(adjustment.event.reference == "discrepancy:1");
  CHECK(adjustment.event.hlc == recount.hlc);
  CHECK(adjustment.event.wall_ms == fixture.now_ms);
  CHECK(fixture.on_hand("A-1", "SKU-A") == 7);
  CHECK(fixture.discrepancy(1).adjust_event_id == adjustment.event.event_id);
  CHECK(fixture.discrepancy(1).adjust_value_cents == -750);

  // The correction is not stock moving: a count right after it is not ambiguous.
  fixture.deliver(fixture.make.count("A-1", "SKU-A", 7, 210, "u3"), "hh-3");
  CHECK(fixture.counts("A-1", "SKU-A").back().verdict == Verdict::kAccepted);
  CHECK_FALSE(fixture.counts("A-1", "SKU-A").back().ambiguous);
}

TEST_CASE_TEMPLATE(
    "reconcile: next_due_ms is when the earliest count waiting out the settle delay is due, none once settled", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  CHECK(must(fixture.reconciler.next_due_ms()) == std::nullopt);
  fixture.set_policy(R"({"settle_delay_ms": 30000})");
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 7, 100, "u1")});
  CHECK(must(fixture.reconciler.next_due_ms()) == fixture.now_ms + 30'000);
  fixture.now_ms += 30'000;
  fixture.deliver(std::vector<Event>{});  // a commit with nothing new settles what is due
  CHECK(must(fixture.reconciler.next_due_ms()) == std::nullopt);
  CHECK(fixture.discrepancies().size() == 1);
}

TEST_CASE_TEMPLATE(
    "reconcile: a settle past its judge_until judges one count group and leaves the others due for the next settle",
    Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"settle_delay_ms": 30000})");
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.baseline("A-2", "SKU-B", 10, 0),
                   fixture.make.count("A-1", "SKU-A", 7, 100, "u1"), fixture.make.count("A-2", "SKU-B", 6, 100, "u1")});
  const std::int64_t due_ms = fixture.now_ms + 30'000;
  fixture.now_ms = due_ms;
  const auto passed = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  fixture.settle(passed);
  CHECK(fixture.discrepancies().size() == 1);
  CHECK(must(fixture.reconciler.next_due_ms()) == due_ms);  // the other group waits, due already
  fixture.settle(passed);
  CHECK(fixture.discrepancies().size() == 2);
  CHECK(must(fixture.reconciler.next_due_ms()) == std::nullopt);
}

TEST_CASE_TEMPLATE("reconcile: one settle judges every due count group, however many pages of them", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"settle_delay_ms": 30000})");
  constexpr int kPositions = 1'100;  // over two of the reconciler's pages of 512
  std::vector<Event> counts;
  counts.reserve(kPositions);
  for (int i = 0; i < kPositions; ++i)
    counts.push_back(fixture.make.count("B-" + std::to_string(i), "SKU-A", 3, 100, "u1"));
  fixture.deliver(counts);
  CHECK(fixture.discrepancies().empty());
  fixture.now_ms += 30'000;
  fixture.deliver(std::vector<Event>{});
  CHECK(must(fixture.reconciler.next_due_ms()) == std::nullopt);
  CHECK(must(fixture.queries.discrepancy_count(DiscrepancyQuery{"", StateFilter::kAll, {}, 0, 1})) == kPositions);
}

TEST_CASE_TEMPLATE("reconcile: new figures of an active discrepancy are reported as a change, the same figures are not",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"ambiguity_window_ms": 0, "max_recount_rounds": 0})");
  auto& make = fixture.make;
  fixture.deliver({make.baseline("A-1", "SKU-A", 10, 0), make.count("A-1", "SKU-A", 12, 100, "u1", "s-1")});
  REQUIRE(fixture.discrepancies().size() == 1);
  const std::int64_t id = fixture.discrepancies()[0].id;
  CHECK(fixture.discrepancy(id).variance == 2);

  // One more counted in the same session: the count group adds up to 13.
  auto effects = fixture.deliver(make.count("A-1", "SKU-A", 1, 110, "u1", "s-1"));
  CHECK(effects.discrepancies == std::vector<std::int64_t>{id});
  auto now = fixture.discrepancy(id);
  CHECK(std::tuple(now.counted, now.expected, now.variance) == std::tuple(13, 10, 3));
  CHECK(to_string(now.state) == std::string_view("awaiting_review"));

  // A receipt that arrives late, before the count in event time: the ledger expected 11.
  effects = fixture.deliver(make.receive("A-1", "SKU-A", 1, 50));
  CHECK(effects.discrepancies == std::vector<std::int64_t>{id});
  now = fixture.discrepancy(id);
  CHECK(std::tuple(now.counted, now.expected, now.variance) == std::tuple(13, 11, 2));

  // A sale after the count changes nothing the count was judged on.
  const std::int64_t updated_ms = now.updated_ms;
  fixture.now_ms += 1000;
  effects = fixture.deliver(make.sale("A-1", "SKU-A", 1, 200));
  CHECK(effects.discrepancies.empty());
  CHECK(fixture.discrepancy(id).updated_ms == updated_ms);
}

TEST_CASE_TEMPLATE("reconcile: an operator action the state does not allow is refused as a conflict", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 7, 100, "u1")});
  auto transaction = must(storage::Transaction::begin(fixture.database));
  auto approve = fixture.reconciler.resolve(1, OperatorAction::kApprove, ReasonCode::kTheft, "op-1", fixture.now_ms);
  REQUIRE_FALSE(approve.has_value());
  CHECK(approve.error().code == ErrorCode::kConflict);
  auto missing = fixture.reconciler.resolve(99, OperatorAction::kReject, ReasonCode::kOther, "op-1", fixture.now_ms);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  auto anonymous = fixture.reconciler.resolve(1, OperatorAction::kReject, ReasonCode::kOther, "", fixture.now_ms);
  REQUIRE_FALSE(anonymous.has_value());
  CHECK(anonymous.error().code == ErrorCode::kInvalidInput);
}

TEST_CASE_TEMPLATE("reconcile: a policy change is stored, audited and applies to counts judged after it", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  CHECK(must(fixture.reconciler.policy()) == Policy{});
  fixture.set_policy(R"({"tolerances": [{"shortage": {"units": 5}, "overage": {"units": 5}}]})");
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 7, 100, "u1")});
  CHECK(fixture.counts("A-1", "SKU-A").back().verdict == Verdict::kAccepted);

  // A policy set in a transaction that rolls back leaves the one in force.
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    must(fixture.reconciler.set_policy(Policy{}, "op-2", fixture.now_ms));
  }
  CHECK(must(fixture.reconciler.policy()).tolerances.size() == 1);

  Reconciler reopened = must(Reconciler::open(fixture.database, fixture.catalog));
  CHECK(must(reopened.policy()) == must(fixture.reconciler.policy()));
}

TEST_CASE_TEMPLATE("reconcile: the policy in force comes with its version, when it was set and by whom", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  const PolicyInForce initial = must(fixture.queries.policy_in_force());
  CHECK(initial.version == 0);
  CHECK(initial.actor.empty());
  CHECK(initial.set_ms == 0);
  fixture.set_policy(R"({"max_recount_rounds": 4})");
  fixture.set_policy(R"({"max_recount_rounds": 5})");
  const PolicyInForce latest = must(fixture.queries.policy_in_force());
  CHECK(latest.version == 2);
  CHECK(latest.actor == "op-1");
  CHECK(latest.set_ms == fixture.now_ms);
  CHECK(latest.policy.max_recount_rounds == 5);
}

TEST_CASE_TEMPLATE("reconcile: a full re-evaluation re-judges history under a new policy, ambiguity window included",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"ambiguity_window_ms": 30000, "tolerances": [{"shortage": {"units": 5}, "overage": {}}]})");
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.count("A-1", "SKU-A", 7, 100, "u1"),
                   m.baseline("A-2", "SKU-A", 10, 0), m.sale("A-2", "SKU-A", 2, 100),
                   m.count("A-2", "SKU-A", 10, 150, "u1")});
  CHECK(fixture.counts("A-1", "SKU-A")[0].verdict == Verdict::kAccepted);
  CHECK(fixture.counts("A-2", "SKU-A")[0].verdict == Verdict::kAccepted);  // any overage is within

  fixture.set_policy(R"({"ambiguity_window_ms": 60000})");
  auto transaction = must(storage::Transaction::begin(fixture.database));
  const Reevaluation reevaluation = must(fixture.reconciler.reevaluate_all(fixture.now_ms));
  must(transaction.commit());
  CHECK(reevaluation.groups_rejudged == 2);
  CHECK(reevaluation.effects.task_sites == std::vector<std::string>{std::string(kSite)});
  CHECK(fixture.counts("A-1", "SKU-A")[0].verdict == Verdict::kOutOfTolerance);
  const CountGroup moved = fixture.counts("A-2", "SKU-A")[0];
  CHECK(moved.verdict == Verdict::kAmbiguous);
  CHECK(moved.ambiguous);
  CHECK(moved.judged_window_ms == 60'000);
  CHECK(fixture.discrepancies(StateFilter::kActive).size() == 2);
}

TEST_CASE_TEMPLATE("reconcile: history lists a position's movements and counts in event time with the balance", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  fixture.deliver({fixture.make.count("A-1", "SKU-A", 9, 100, "u1", "cs-1"),
                   fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.move("DOCK", "A-1", "SKU-A", 4, 50)});
  fixture.deliver(fixture.make.sale("A-1", "SKU-A", 5, 80), "pos-1");
  const auto history = must(fixture.queries.history(PositionKey{std::string(kSite), "A-1", "SKU-A", ""}));
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> lines;
  lines.reserve(history.size());
  for (const auto& entry : history) lines.emplace_back(entry.type, entry.qty, entry.balance);
  using Line = std::tuple<std::string, std::int64_t, std::int64_t>;
  CHECK(lines ==
        std::vector<Line>{Line{"baseline", 10, 10}, Line{"move", 4, 14}, Line{"sale", 5, 9}, Line{"count", 9, 9}});
  CHECK(history.back().session == "cs-1");
  CHECK(history[2].device == "pos-1");
  CHECK(fixture.on_hand("DOCK", "SKU-A") == -4);
  CHECK(must(fixture.queries.expected(PositionKey{std::string(kSite), "A-1", "SKU-A", ""},
                                      HlcStamp{testing::stamp_at(60)})) == 14);
  CHECK_FALSE(
      must(fixture.queries.expected(PositionKey{std::string(kSite), "Z-9", "SKU-A", ""}, HlcStamp{})).has_value());
}

TEST_CASE_TEMPLATE(
    "reconcile: verifying the projections finds nothing to repair after incremental work, and repairs damage", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(kTestPolicy);
  fixture.deliver({fixture.make.baseline("A-1", "SKU-A", 10, 0), fixture.make.count("A-1", "SKU-A", 10, 100, "u1"),
                   fixture.make.count("A-1", "SKU-A", 8, 300, "u2")});
  fixture.deliver({fixture.make.sale("A-1", "SKU-A", 2, 200), fixture.make.receive("A-1", "SKU-A", 3, 50),
                   fixture.make.sale("A-1", "SKU-A", 3, 60)},
                  "pos-1");
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    const Reevaluation clean = must(fixture.reconciler.verify_projections(fixture.now_ms));
    CHECK(clean.positions_repaired == 0);
    CHECK(clean.groups_repaired == 0);
    CHECK(clean.groups_rejudged == 0);
    must(transaction.commit());
  }
  must(
      fixture.database.execute("UPDATE reconcile_positions SET on_hand = 999;"
                               " UPDATE reconcile_groups SET expected = expected + 1;"));
  auto transaction = must(storage::Transaction::begin(fixture.database));
  const Reevaluation repaired = must(fixture.reconciler.verify_projections(fixture.now_ms));
  must(transaction.commit());
  CHECK(repaired.positions_repaired == 1);
  CHECK(repaired.groups_repaired == 2);
  CHECK(repaired.groups_rejudged == 2);
  CHECK(fixture.on_hand("A-1", "SKU-A") == 8);
  for (const auto& group : fixture.counts("A-1", "SKU-A")) CHECK(group.variance == 0);
}

// The arrival-order property: whatever order events reach the hub in, and however settles fall
// between them, positions and count verdicts end the same.
struct Observed {
  std::map<PositionKey, std::int64_t> on_hand;
  std::map<std::tuple<PositionKey, std::string, std::string>,
           std::tuple<std::int64_t, std::int64_t, HlcStamp, HlcStamp, std::int64_t, bool, std::optional<Verdict>>>
      groups;

  bool operator==(const Observed&) const = default;
};

template <typename Backend>
Observed observe(ReconcileFixture<Backend>& fixture) {
  Observed observed;
  for (const auto& position : must(fixture.queries.positions(PositionQuery{"", "", 0, 100'000}))) {
    observed.on_hand[position.key] = position.on_hand;
    for (const auto& group : fixture.counts(position.key.location, position.key.sku)) {
      if (group.is_void()) continue;
      observed.groups[{group.position, group.task_id, group.session_key}] = {
          group.counts, group.counted, group.first_hlc, group.last_hlc, group.expected, group.ambiguous, group.verdict};
    }
  }
  return observed;
}

std::vector<Event> random_history(std::mt19937_64& random, EventMaker& make) {
  const std::vector<std::string> locations = {"A-1", "A-2", "DOCK"};
  const std::vector<std::string> skus = {"SKU-A", "SKU-B"};
  const std::vector<std::string> sessions = {"cs-1", "cs-2", ""};
  auto pick = [&random](const auto& options) { return options[random() % options.size()]; };
  // On a 25 s grid: some events share a stamp, some fall within the 30 s window of a count.
  auto when = [&random] { return static_cast<double>(random() % 400) * 25.0; };
  auto qty = [&random] { return static_cast<std::int64_t>(1 + random() % 6); };
  std::vector<Event> events;
  for (const auto& location : locations) {
    for (const auto& sku : skus) {
      if (random() % 3 != 0) events.push_back(make.baseline(location, sku, qty() * 3, when()));
    }
  }
  for (int i = 0; i < 60; ++i) {
    const std::string location = pick(locations);
    const std::string sku = pick(skus);
    switch (random() % 7) {
      case 0: events.push_back(make.receive(location, sku, qty(), when())); break;
      case 1: events.push_back(make.sale(location, sku, qty(), when())); break;
      case 2: events.push_back(make.move(location, location == "A-1" ? "A-2" : "A-1", sku, qty(), when())); break;
      case 3: events.push_back(make.adjust(location, sku, qty() - 3 == 0 ? 1 : qty() - 3, when())); break;
      case 4: events.push_back(make.close(location, when(), "u" + std::to_string(random() % 3), pick(sessions))); break;
      default:
        events.push_back(
            make.count(location, sku, qty() * 2 - 1, when(), "u" + std::to_string(random() % 3), pick(sessions)));
    }
  }
  if (random() % 2 == 0) events.push_back(make.baseline("A-1", "SKU-A", qty(), when()));
  return events;
}

TEST_CASE_TEMPLATE(
    "reconcile: events applied in any arrival order give the projections and verdicts of event-time order", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  // Each PostgreSQL fixture starts a server of its own (1-2 s), so that backend tries fewer seeds.
  const std::uint64_t seeds = std::is_same_v<Backend, testing::PostgresBackend> ? 5 : 40;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 random(seed);
    EventMaker make;
    std::vector<Event> events = random_history(random, make);
    const std::string policy =
        R"({"ambiguity_window_ms": 30000, "tolerances": [{"shortage": {"units": 3}, "overage": {"units": 3}},)"
        R"( {"scope": {"sku": "SKU-B"}, "shortage": {"units": 1}, "overage": {"percent": 20}}]})";

    std::vector<Event> in_time = events;
    std::sort(in_time.begin(), in_time.end(),
              [](const Event& a, const Event& b) { return std::tie(a.hlc, a.event_id) < std::tie(b.hlc, b.event_id); });
    ReconcileFixture<Backend> ordered;
    ordered.set_policy(policy);
    ordered.deliver(in_time);

    std::shuffle(events.begin(), events.end(), random);
    ReconcileFixture<Backend> shuffled;
    shuffled.set_policy(policy);
    for (std::size_t at = 0; at < events.size();) {  // batches of 1 to 5, each settled
      const std::size_t size = std::min<std::size_t>(1 + random() % 5, events.size() - at);
      shuffled.deliver(std::vector<Event>(events.begin() + static_cast<std::ptrdiff_t>(at),
                                          events.begin() + static_cast<std::ptrdiff_t>(at + size)),
                       "hh-" + std::to_string(random() % 3));
      at += size;
    }
    CHECK(observe(shuffled) == observe(ordered));

    auto transaction = must(storage::Transaction::begin(shuffled.database));
    const Reevaluation verified = must(shuffled.reconciler.verify_projections(shuffled.now_ms));
    CHECK(verified.positions_repaired == 0);
    CHECK(verified.groups_repaired == 0);
    CHECK(must(shuffled.reconciler.reevaluate_all(shuffled.now_ms)).groups_rejudged == 0);
  }
}

TEST_CASE_TEMPLATE("reconcile: a larger run of positions, movements, late events and counts stays consistent", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> fixture;
  fixture.set_policy(R"({"tolerances": [{"shortage": {"units": 2}, "overage": {"units": 2}}]})");
  std::mt19937_64 random(7);
  constexpr int kPositions = 2'000;
  constexpr int kMovements = 20'000;
  auto location = [](int position) { return "B-" + std::to_string(position / 2); };
  auto sku = [](int position) { return position % 2 == 0 ? std::string("SKU-A") : std::string("SKU-B"); };
  std::vector<Event> batch;
  auto flush = [&] {
    fixture.deliver(batch, "hh-" + std::to_string(random() % 8));
    batch.clear();
  };
  for (int p = 0; p < kPositions; ++p) {
    batch.push_back(fixture.make.baseline(location(p), sku(p), 100, 0));
    if (batch.size() == 500) flush();
  }
  for (int i = 0; i < kMovements; ++i) {
    const int p = static_cast<int>(random() % kPositions);
    const double at = 1 + static_cast<double>(random() % 80'000);
    batch.push_back(random() % 2 == 0 ? fixture.make.sale(location(p), sku(p), 1, at)
                                      : fixture.make.receive(location(p), sku(p), 1, at));
    if (i % 10 == 0) batch.push_back(fixture.make.count(location(p), sku(p), 100, at + 0.5, "u1"));
    if (batch.size() >= 500) flush();
  }
  flush();
  auto transaction = must(storage::Transaction::begin(fixture.database));
  const Reevaluation verified = must(fixture.reconciler.verify_projections(fixture.now_ms));
  CHECK(verified.positions_repaired == 0);
  CHECK(verified.groups_repaired == 0);
  CHECK(must(fixture.reconciler.reevaluate_all(fixture.now_ms)).groups_rejudged == 0);
  must(transaction.commit());
  const auto metrics = must(fixture.queries.metrics(MetricsQuery{}));
  REQUIRE(metrics.size() == 1);
  CHECK(metrics[0].counts == kMovements / 10);
}

}  // namespace
}  // namespace recount::hub::reconcile
