// Threshold what-if: the outcome rules, the tallies, and the engine's what-if checked against
// what the engine itself does: a re-evaluation of an online copy of the ledger under the
// candidate, and the same history replayed under the candidate. A what-if never writes.
#include "hub/reconcile/what_if.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "hub/reconcile/reconciler.hpp"
#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::EventMaker;
using testing::kNowMs;
using testing::kT0Ms;
using testing::must;
using testing::ReconcileFixture;

// One unit of tolerance everywhere, a 60 s window, two rounds, a 100.00 approval limit.
constexpr std::string_view kCurrent =
    R"({"ambiguity_window_ms": 60000, "max_recount_rounds": 2, "approval_limit_cents": 10000,
        "tolerances": [{"shortage": {"units": 1}, "overage": {"units": 1}}]})";
// Looser for groceries and for site s2, a 120 s window, a 50.00 approval limit.
constexpr std::string_view kLooser =
    R"({"ambiguity_window_ms": 120000, "max_recount_rounds": 2, "approval_limit_cents": 5000,
        "tolerances": [{"shortage": {"units": 1}, "overage": {"units": 1}},
                       {"scope": {"item_class": "grocery"}, "shortage": {"units": 5}, "overage": {"units": 5}},
                       {"scope": {"site": "s2"}, "shortage": {"percent": 10}, "overage": {"percent": 10}}]})";
// Zero tolerance and no recount rounds: every variance goes to an operator.
constexpr std::string_view kStrict = R"({"max_recount_rounds": 0, "tolerances": []})";

constexpr std::int64_t kDayMs = 86'400'000;

// Site s2 sells apparel (SKU-C) besides s1's items.
protocol::Catalog second_site_catalog() {
  protocol::Catalog catalog;
  catalog.site = "s2";
  catalog.version = 1;
  catalog.items = {{"SKU-A", "Crispbread", 250, "grocery", {{"5901234123457", 1}}},
                   {"SKU-B", "Headphones", 10'000, "electronics", {{"4006381333931", 1}}},
                   {"SKU-C", "Scarf", 1'500, "apparel", {{"2000000000015", 1}}}};
  catalog.locations = {{"A-1", "LOC:A-1", "shelf"}, {"A-2", "LOC:A-2", "shelf"}};
  return catalog;
}

// Counts in two sites and three item classes under kCurrent: exact, within tolerance, outside
// it, outside it only because the window is short, and one older than a day.
template <typename Backend>
void deliver_scenario(ReconcileFixture<Backend>& hub) {
  hub.catalog.put(second_site_catalog());
  hub.set_policy(kCurrent);
  EventMaker& m = hub.make;
  hub.deliver({m.baseline("A-1", "SKU-B", 8, -200'000), m.count("A-1", "SKU-B", 5, -190'000, "u1")});
  hub.deliver({m.baseline("A-1", "SKU-A", 20, 10), m.baseline("A-2", "SKU-B", 5, 10),
               m.baseline("DOCK", "SKU-A", 50, 10), m.baseline("DOCK", "SKU-B", 10, 10),
               m.receive("DOCK", "SKU-B", 3, 100)});
  hub.deliver({m.count("A-1", "SKU-A", 17, 100, "u1", "s1-a"), m.count("A-2", "SKU-B", 4, 100, "u1", "s1-a"),
               m.count("DOCK", "SKU-A", 50, 100, "u1", "s1-a"), m.count("DOCK", "SKU-B", 10, 190, "u1", "s1-a")});
  hub.deliver({m.baseline("A-1", "SKU-A", 100, 10), m.baseline("A-2", "SKU-C", 40, 10),
               m.baseline("A-1", "SKU-B", 10, 10), m.count("A-1", "SKU-A", 95, 100, "u7", "s2-a"),
               m.count("A-2", "SKU-C", 37, 100, "u7", "s2-a"), m.count("A-1", "SKU-B", 12, 100, "u7", "s2-a")},
              "hh-9", "s2");
}

std::map<std::int64_t, CountGroup> groups_of(storage::Connection& database) {
  auto judgements = must(Judgements::prepare(database));
  std::map<std::int64_t, CountGroup> groups;
  must(judgements.scan_groups([&](const CountGroup& group) -> Result<void> {
    groups.emplace(group.id, group);
    return {};
  }));
  return groups;
}

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const WhatIfRow& row_of(const WhatIf& what_if, std::string_view site, std::string_view item_class) {
  for (const WhatIfRow& row : what_if.rows) {
    if (row.site == site && row.item_class == item_class) return row;
  }
  FAIL("no row for " << site << "/" << item_class);
  return what_if.rows.front();
}

WhatIfQuery last_day(std::size_t examples = 3) { return WhatIfQuery{kNowMs - kDayMs, "", examples}; }

// Copies the ledger with SQLite's online backup, puts `candidate` in force on the copy with the
// engine's set_policy and re-judges everything with reevaluate_all, then checks the what-if's
// verdicts, figures and newly opened discrepancies against the copy.
void check_against_copy(ReconcileFixture<>& hub, std::string_view candidate_json) {
  const Policy candidate = must(parse_policy(candidate_json));
  // Every changed count as an example, so each can be checked.
  const WhatIf what_if = must(hub.reconciler.what_if(candidate, last_day(1000)));
  CHECK(what_if.changed > 0);

  const auto copy_file = hub.backend.dir / "copy.db";
  must(hub.backend.database.backup_to(copy_file));
  auto copy = must(storage::Database::open(copy_file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal));
  auto reconciler = must(Reconciler::open(copy, hub.catalog));
  auto copy_queries = must(SqliteQueries::prepare(copy));
  const auto discrepancies_before =
      must(copy_queries.discrepancies(DiscrepancyQuery{"", StateFilter::kAll, {}, 0, 1000}));
  {
    auto transaction = must(storage::Transaction::begin(copy));
    must(reconciler.set_policy(candidate, "op-1", kNowMs));
    must(reconciler.reevaluate_all(kNowMs));
    must(transaction.commit());
  }

  const auto original = groups_of(hub.database);
  const auto rejudged = groups_of(copy);
  std::map<std::int64_t, const WhatIfExample*> examples;
  for (const WhatIfExample& example : what_if.examples) examples[example.group_id] = &example;

  // Per group: the copy's verdict is the what-if's verdict after.
  std::int64_t in_window = 0;
  std::map<std::pair<std::string, std::string>, OutcomeTally> flagged;  // the copy's, by site and class
  for (const auto& entry : original) {
    const std::int64_t id = entry.first;
    const CountGroup& group = entry.second;
    if (group.last_hlc.wall_ms() < what_if.since_ms || group.is_void()) continue;
    ++in_window;
    const CountGroup& after = rejudged.at(id);
    const auto example = examples.find(id);
    CAPTURE(id);
    CAPTURE(group.position.site + "/" + group.position.location + "/" + group.position.sku);
    if (example == examples.end()) {
      CHECK(after.verdict == group.verdict);
    } else {
      CHECK(after.verdict == example->second->verdict_after);
      CHECK(group.verdict == example->second->verdict_before);
      CHECK(after.variance == example->second->variance);
      CHECK(after.value_cents == example->second->value_cents);
    }
    if (classify(*after.verdict)) {
      const auto facts = hub.catalog.item(group.position.site, group.position.sku);
      OutcomeTally& tally = flagged[{group.position.site, facts ? facts->item_class : ""}];
      ++tally.counts;
      tally.value_cents += after.value_cents < 0 ? -after.value_cents : after.value_cents;
    }
  }
  CHECK(what_if.counts == in_window);
  // The figures per site and class are the copy's.
  for (const WhatIfRow& row : what_if.rows) {
    CAPTURE(row.site + "/" + row.item_class);
    CHECK(row.candidate.flagged == flagged[{row.site, row.item_class}]);
  }

  // Each discrepancy the re-evaluation opened is a count the what-if flags anew, in the state
  // its outcome names; each it closed is one the what-if accepts.
  std::set<std::int64_t> known;
  for (const Discrepancy& discrepancy : discrepancies_before) known.insert(discrepancy.id);
  for (const Discrepancy& discrepancy :
       must(copy_queries.discrepancies(DiscrepancyQuery{"", StateFilter::kAll, {}, 0, 1000}))) {
    CAPTURE(discrepancy.id);
    const bool opened = !known.contains(discrepancy.id);
    const bool closed_now = discrepancy.closed_ms == kNowMs && discrepancy.resolution == Resolution::kReevaluated;
    if (!opened && !closed_now) continue;
    const auto example = examples.find(discrepancy.origin_group_id);
    REQUIRE(example != examples.end());
    if (opened) {
      CHECK(example->second->before == Outcome::kAccepted);
      CHECK(to_string(discrepancy.state) ==
            (example->second->after == Outcome::kApproval ? "awaiting_review" : "recount_requested"));
    } else {
      CHECK(example->second->after == Outcome::kAccepted);
    }
  }
}

TEST_CASE("an ordinary count is accepted, recounted, or sent to an operator when the policy has no rounds") {
  Policy policy;
  CHECK(count_outcome(policy, Verdict::kAccepted) == Outcome::kAccepted);
  CHECK(count_outcome(policy, Verdict::kOutOfTolerance) == Outcome::kRecount);
  CHECK(count_outcome(policy, Verdict::kAmbiguous) == Outcome::kRecount);
  CHECK(count_outcome(policy, Verdict::kUomError) == Outcome::kRecount);
  policy.max_recount_rounds = 0;
  CHECK(count_outcome(policy, Verdict::kOutOfTolerance) == Outcome::kApproval);
  CHECK(count_outcome(policy, Verdict::kAccepted) == Outcome::kAccepted);
}

TEST_CASE("a recount that confirms a variance is adjusted below the approval limit and waits above it") {
  Policy policy;  // two rounds, a 100.00 limit
  const Judgement small{Verdict::kOutOfTolerance, -3, -750, 0};
  const Judgement large{Verdict::kOutOfTolerance, -2, -20'000, 0};
  const Judgement uom{Verdict::kUomError, -12, -3'000, 12};
  CHECK(recount_outcome(policy, small, true, 1) == Outcome::kAdjusted);
  CHECK(recount_outcome(policy, large, true, 1) == Outcome::kApproval);
  CHECK(recount_outcome(policy, uom, true, 1) == Outcome::kApproval);
  CHECK(recount_outcome(policy, small, false, 1) == Outcome::kRecount);
  CHECK(recount_outcome(policy, small, false, 2) == Outcome::kApproval);
  CHECK(recount_outcome(policy, Judgement{Verdict::kAccepted, 0, 0, 0}, false, 1) == Outcome::kAccepted);
}

TEST_CASE("the tally adds counts and |value| per outcome and keeps the largest examples per change") {
  WhatIfTally tally(WhatIfQuery{0, "", 2});
  // A count's variance and value are the same under both policies; only verdicts differ.
  const auto accepted = [](std::int64_t value) {
    return Fate{Judgement{Verdict::kAccepted, -1, value, 0}, Outcome::kAccepted};
  };
  const auto flagged = [](std::int64_t value) {
    return Fate{Judgement{Verdict::kOutOfTolerance, -1, value, 0}, Outcome::kRecount};
  };
  const PositionKey position{"s1", "A-1", "SKU-A", ""};
  tally.add("grocery", WhatIfExample{1, position, 0, 1, 2}, flagged(-100), accepted(-100));
  tally.add("grocery", WhatIfExample{2, position, 0, 1, 2}, flagged(-900), accepted(-900));
  tally.add("grocery", WhatIfExample{3, position, 0, 1, 2}, flagged(500), accepted(500));
  tally.add("grocery", WhatIfExample{4, position, 0, 1, 2}, accepted(-250), accepted(-250));
  const WhatIf what_if = std::move(tally).finish();
  CHECK(what_if.counts == 4);
  CHECK(what_if.changed == 3);
  CHECK(what_if.current.flagged == OutcomeTally{3, 1'500});
  CHECK(what_if.current.recount == OutcomeTally{3, 1'500});
  CHECK(what_if.current.accepted == OutcomeTally{1, 250});
  CHECK(what_if.candidate.accepted == OutcomeTally{4, 1'750});
  CHECK(what_if.candidate.flagged == OutcomeTally{});
  REQUIRE(what_if.examples.size() == 2);
  CHECK(what_if.examples[0].group_id == 2);
  CHECK(what_if.examples[1].group_id == 3);
  CHECK(what_if.examples[0].before == Outcome::kRecount);
  CHECK(what_if.examples[0].after == Outcome::kAccepted);
  CHECK(what_if.examples[0].value_cents == -900);
}

TEST_CASE("a looser candidate's what-if agrees with re-evaluating an online copy of the ledger under it") {
  ReconcileFixture<> hub;
  deliver_scenario(hub);
  const WhatIf what_if = must(hub.reconciler.what_if(must(parse_policy(kLooser)), last_day()));
  // Seven counts in the last day; the one two days old is not among them.
  CHECK(what_if.counts == 7);
  // Groceries in both sites and apparel in s2 are accepted now; s2's headphones stay flagged.
  CHECK(row_of(what_if, "s1", "grocery").current.flagged.counts == 1);
  CHECK(row_of(what_if, "s1", "grocery").candidate.flagged.counts == 0);
  CHECK(row_of(what_if, "s2", "grocery").current.flagged == OutcomeTally{1, 1'250});
  CHECK(row_of(what_if, "s2", "grocery").candidate.accepted.counts == 1);
  CHECK(row_of(what_if, "s2", "apparel").candidate.flagged.counts == 0);
  CHECK(row_of(what_if, "s2", "electronics").changed == 0);
  CHECK(row_of(what_if, "s2", "electronics").candidate.recount == OutcomeTally{1, 20'000});
  // The dock headphones' count is ambiguous under the longer window: still a recount.
  CHECK(row_of(what_if, "s1", "electronics").changed == 1);
  CHECK(row_of(what_if, "s1", "electronics").candidate.recount.counts == 1);
  CHECK(what_if.changed == 4);
  check_against_copy(hub, kLooser);
}

TEST_CASE("a strict candidate's what-if agrees with re-evaluating a copy: new variances go to an operator") {
  ReconcileFixture<> hub;
  deliver_scenario(hub);
  const WhatIf what_if = must(hub.reconciler.what_if(must(parse_policy(kStrict)), last_day()));
  // Every variance is flagged and, with no rounds, waits for an operator.
  CHECK(what_if.candidate.approval.counts == 6);
  CHECK(what_if.candidate.accepted.counts == 1);
  CHECK(what_if.candidate.recount.counts == 0);
  check_against_copy(hub, kStrict);
}

TEST_CASE_TEMPLATE("a candidate identical to the policy in force changes nothing", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  ReconcileFixture<Backend> hub;
  deliver_scenario(hub);
  const WhatIf what_if = must(hub.reconciler.what_if(must(parse_policy(kCurrent)), last_day()));
  CHECK(what_if.counts == 7);
  CHECK(what_if.changed == 0);
  CHECK(what_if.examples.empty());
  CHECK(what_if.current == what_if.candidate);
  for (const WhatIfRow& row : what_if.rows) CHECK(row.current == row.candidate);
}

TEST_CASE("a what-if reads the ledger and changes none of its bytes") {
  ReconcileFixture<> hub;
  deliver_scenario(hub);
  const auto db = hub.backend.database.path();
  const auto wal = std::filesystem::path(db.string() + "-wal");
  const std::string db_before = file_bytes(db);
  const std::string wal_before = file_bytes(wal);
  REQUIRE_FALSE(db_before.empty());
  const auto groups_before = groups_of(hub.database);
  must(hub.reconciler.what_if(must(parse_policy(kStrict)), last_day()));
  must(hub.reconciler.what_if(must(parse_policy(kLooser)), WhatIfQuery{0, "s2", 3}));
  CHECK(file_bytes(db) == db_before);
  CHECK(file_bytes(wal) == wal_before);
  const auto groups_after = groups_of(hub.database);
  REQUIRE(groups_after.size() == groups_before.size());
  for (const auto& [id, group] : groups_before) {
    CHECK(groups_after.at(id).verdict == group.verdict);
    CHECK(groups_after.at(id).judged_window_ms == group.judged_window_ms);
  }
}

TEST_CASE_TEMPLATE("a what-if narrowed to a site and to fewer days counts only those counts", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReconcileFixture<Backend> hub;
  deliver_scenario(hub);
  const Policy looser = must(parse_policy(kLooser));
  const WhatIf s2 = must(hub.reconciler.what_if(looser, WhatIfQuery{kNowMs - kDayMs, "s2", 3}));
  CHECK(s2.counts == 3);
  for (const WhatIfRow& row : s2.rows) CHECK(row.site == "s2");
  // The oldest count is 190,000 s (about 2.2 days) before the day began.
  const WhatIf four_days = must(hub.reconciler.what_if(looser, WhatIfQuery{kNowMs - 4 * kDayMs, "", 3}));
  CHECK(four_days.counts == 8);
  const WhatIf none = must(hub.reconciler.what_if(looser, WhatIfQuery{kNowMs, "", 3}));
  CHECK(none.counts == 0);
  CHECK(none.rows.empty());
}

// The same history, replayed on two hubs under two approval limits: the recount's outcome the
// what-if predicts for the other policy is what that hub's lifecycle did.
TEST_CASE_TEMPLATE("a recount's what-if outcome is what the lifecycle did with it under that policy", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  constexpr std::string_view kHighLimit = R"({"approval_limit_cents": 10000})";
  constexpr std::string_view kLowLimit = R"({"approval_limit_cents": 5000})";
  const auto replay = [](ReconcileFixture<Backend>& hub, std::string_view policy) {
    hub.set_policy(policy);
    EventMaker& m = hub.make;
    hub.deliver({m.baseline("A-1", "SKU-A", 100, 10), m.count("A-1", "SKU-A", 70, 100, "u1")});
    // The blind recount by someone else confirms 30 missing, worth 75.00.
    hub.deliver({m.count("A-1", "SKU-A", 70, 200, "u2", "", "rt-1-1")}, "hh-2");
  };
  ReconcileFixture<Backend> high;
  replay(high, kHighLimit);
  ReconcileFixture<Backend> low;
  replay(low, kLowLimit);
  CHECK(high.discrepancy(1).resolution == Resolution::kAdjusted);
  CHECK(low.discrepancy(1).state == DiscrepancyState::kAwaitingApproval);

  const WhatIf from_high = must(high.reconciler.what_if(must(parse_policy(kLowLimit)), last_day()));
  CHECK(from_high.counts == 2);
  CHECK(from_high.current.recount == OutcomeTally{1, 7'500});
  CHECK(from_high.current.adjusted == OutcomeTally{1, 7'500});
  CHECK(from_high.candidate.approval == OutcomeTally{1, 7'500});
  REQUIRE(from_high.examples.size() == 1);
  const WhatIfExample& example = from_high.examples.front();
  CHECK(example.before == Outcome::kAdjusted);
  CHECK(example.after == Outcome::kApproval);
  // The adjustment made the recount agree with the ledger; the example shows what it found.
  CHECK(example.expected == 100);
  CHECK(example.counted == 70);
  CHECK(example.variance == -30);

  const WhatIf from_low = must(low.reconciler.what_if(must(parse_policy(kHighLimit)), last_day()));
  REQUIRE(from_low.examples.size() == 1);
  CHECK(from_low.examples.front().before == Outcome::kApproval);
  CHECK(from_low.examples.front().after == Outcome::kAdjusted);
}

}  // namespace
}  // namespace recount::hub::reconcile
