// Projections: balances as of any event time whatever order events arrive in, baselines,
// count groups and the zeros closes imply, and exactly which groups a late movement touches.
#include "hub/reconcile/projections.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "hub/reconcile/judgements.hpp"
#include "hub/reconcile/read_model.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;
using testing::stamp_at;

constexpr std::int64_t kReceived = testing::kNowMs;
const Timing kTiming{kReceived, kReceived, 60'000};

template <typename Backend>
struct ProjectionsFixture {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection());
  Projections projections = must(Projections::prepare(database));
  ReadModel read_model = must(ReadModel::prepare(database));
  Judgements judgements = must(Judgements::prepare(database));
  testing::EventMaker make;

  void apply(const Event& event, const std::string& device = "hh-1", const Timing& timing = kTiming) {
    must(projections.apply(std::string(testing::kSite), device, event, timing));
  }
  std::int64_t position(const std::string& location, const std::string& sku) {
    auto id = must(projections.find_position(PositionKey{std::string(testing::kSite), location, sku, ""}));
    REQUIRE(id.has_value());
    return *id;
  }
  std::int64_t expected(const std::string& location, double seconds) {
    return must(projections.expected_at(position(location, "SKU-A"), HlcStamp{stamp_at(seconds)}));
  }
  std::vector<CountGroup> groups(const std::string& location, const std::string& sku = "SKU-A") {
    return must(read_model.groups_at(position(location, sku)));
  }
  std::vector<std::int64_t> due_groups() {
    std::vector<std::int64_t> ids;
    for (const auto& due : must(judgements.due(kReceived, 100))) ids.push_back(due.group_id);
    return ids;
  }
  void clear_due() {
    for (const auto id : due_groups()) must(judgements.clear_dirty(id));
  }
};

TEST_CASE_TEMPLATE(
    "reconcile projections: the balance as of a time counts exactly the movements up to it, in any order", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  const std::vector<Event> events = {m.receive("A-1", "SKU-A", 10, 10), m.sale("A-1", "SKU-A", 3, 20),
                                     m.adjust("A-1", "SKU-A", -2, 30), m.receive("A-1", "SKU-A", 5, 40)};
  for (const Event& event : std::vector<Event>(events.rbegin(), events.rend())) fixture.apply(event);
  CHECK(fixture.expected("A-1", 5) == 0);
  CHECK(fixture.expected("A-1", 10) == 10);  // a movement at the count's stamp precedes it
  CHECK(fixture.expected("A-1", 25) == 7);
  CHECK(fixture.expected("A-1", 35) == 5);
  CHECK(fixture.expected("A-1", 99) == 10);
  const auto positions = must(fixture.read_model.positions(PositionQuery{}));
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].on_hand == 10);
  CHECK(positions[0].movements == 4);
}

TEST_CASE_TEMPLATE("reconcile projections: a move takes from its source and adds to its destination", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  fixture.apply(fixture.make.move("DOCK", "A-1", "SKU-A", 6, 10));
  CHECK(fixture.expected("DOCK", 10) == -6);
  CHECK(fixture.expected("A-1", 10) == 6);
  CHECK(fixture.expected("A-1", 9) == 0);
}

TEST_CASE_TEMPLATE(
    "reconcile projections: a baseline sets the balance as of its time and absorbs earlier late movements", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.baseline("A-1", "SKU-A", 50, 100));
  fixture.apply(m.sale("A-1", "SKU-A", 5, 150));
  fixture.apply(m.receive("A-1", "SKU-A", 7, 50));  // before the baseline: already in its 50
  CHECK(fixture.expected("A-1", 60) == 7);
  CHECK(fixture.expected("A-1", 100) == 50);
  CHECK(fixture.expected("A-1", 200) == 45);
  fixture.apply(m.baseline("A-1", "SKU-A", 30, 75));  // an earlier baseline, arriving later
  CHECK(fixture.expected("A-1", 60) == 7);
  CHECK(fixture.expected("A-1", 80) == 30);
  CHECK(fixture.expected("A-1", 100) == 50);
  CHECK(fixture.expected("A-1", 200) == 45);
}

TEST_CASE_TEMPLATE("reconcile projections: applying an event a second time changes nothing", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  const Event move = fixture.make.move("DOCK", "A-1", "SKU-A", 6, 10);
  const Event count = fixture.make.count("A-1", "SKU-A", 6, 20, "u1");
  const Event close = fixture.make.close("A-1", 30, "u1", "cs-1");
  for (int i = 0; i < 2; ++i) {
    fixture.apply(move);
    fixture.apply(count);
    fixture.apply(close);
  }
  CHECK(fixture.expected("A-1", 99) == 6);
  CHECK(fixture.expected("DOCK", 99) == -6);
  const auto groups = fixture.groups("A-1");
  REQUIRE(groups.size() == 2);  // the count, and the close's zero (expected 6 there, not counted in cs-1)
  CHECK(groups[0].counts == 1);
  CHECK(groups[0].counted == 6);
  CHECK(groups[1].counts == 0);
}

TEST_CASE_TEMPLATE("reconcile projections: counts add up per session, per count without one, and per user for a task",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.count("A-1", "SKU-A", 12, 10, "u1", "cs-1"));
  fixture.apply(m.count("A-1", "SKU-A", 3, 12, "u2", "cs-1"), "hh-2");
  fixture.apply(m.count("A-1", "SKU-A", 4, 14, "u1"));
  fixture.apply(m.count("A-1", "SKU-A", 5, 16, "u1"));
  fixture.apply(m.count("A-1", "SKU-A", 1, 18, "u3", "cs-2", "rt-1-1"));
  fixture.apply(m.count("A-1", "SKU-A", 2, 19, "u3", "cs-3", "rt-1-1"));
  fixture.apply(m.count("A-1", "SKU-A", 7, 20, "u4", "cs-2", "rt-1-1"));
  const auto groups = fixture.groups("A-1");
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> summary;
  for (const auto& group : groups) {
    const bool own = group.session_key.starts_with("event:");  // a count without a session is its own group
    summary.emplace_back(own ? "event:…" : group.session_key, group.counts, group.counted);
  }
  using Row = std::tuple<std::string, std::int64_t, std::int64_t>;
  CHECK(summary == std::vector<Row>{Row{"session:cs-1", 2, 15}, Row{"event:…", 1, 4}, Row{"event:…", 1, 5},
                                    Row{"user:u3", 2, 3}, Row{"user:u4", 1, 7}});
  CHECK(groups[0].first_user == "u1");
  CHECK(groups[0].first_hlc == HlcStamp{stamp_at(10)});
  CHECK(groups[0].last_hlc == HlcStamp{stamp_at(12)});
}

TEST_CASE_TEMPLATE(
    "reconcile projections: a late movement marks exactly the groups at or after it, or within the window", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.baseline("A-1", "SKU-A", 10, 0));
  for (const double at : {100.0, 200.0, 300.0, 400.0}) fixture.apply(m.count("A-1", "SKU-A", 10, at, "u1"));
  const auto before = fixture.groups("A-1");
  fixture.clear_due();

  fixture.apply(m.sale("A-1", "SKU-A", 1, 270));  // before 300 and 400, and more than 60 s after 200
  CHECK(fixture.due_groups() == std::vector<std::int64_t>{before[2].id, before[3].id});
  const auto after = fixture.groups("A-1");
  CHECK(after[1].expected == 10);
  CHECK(after[2].expected == 9);
  CHECK(after[3].expected == 9);
  fixture.clear_due();

  fixture.apply(m.sale("A-1", "SKU-A", 1, 165));  // before 200 and later, and more than 60 s after 100
  CHECK(fixture.due_groups() == std::vector<std::int64_t>{before[1].id, before[2].id, before[3].id});
  fixture.clear_due();
  fixture.apply(m.sale("A-1", "SKU-A", 1, 90));  // within the window before 100
  CHECK(fixture.due_groups().size() == 4);
  fixture.clear_due();
  fixture.apply(m.baseline("A-1", "SKU-A", 3, 500));  // after every count; not stock moving
  CHECK(fixture.due_groups().empty());
  CHECK(must(fixture.projections.moved_near(fixture.position("A-1", "SKU-A"), before[0].first_hlc, before[0].last_hlc,
                                            60'000)));
  CHECK_FALSE(must(fixture.projections.moved_near(fixture.position("A-1", "SKU-A"), before[3].first_hlc,
                                                  before[3].last_hlc, 60'000)));
}

TEST_CASE_TEMPLATE(
    "reconcile projections: due groups come by page, the positions of the earliest marks, each whole and in time order",
    Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  const auto due_at = [](std::int64_t after_ms) { return Timing{kReceived, kReceived + after_ms, 60'000}; };
  fixture.apply(m.count("A-1", "SKU-A", 1, 200, "u1"), "hh-1", due_at(2));
  fixture.apply(m.count("A-2", "SKU-A", 1, 300, "u1"), "hh-1", due_at(5));
  fixture.apply(m.count("A-2", "SKU-A", 1, 100, "u1"), "hh-1", due_at(1));
  fixture.apply(m.count("A-3", "SKU-A", 1, 50, "u1"), "hh-1", due_at(3));
  const auto a1 = fixture.groups("A-1");
  const auto a2 = fixture.groups("A-2");  // by time: the count at 100 first
  const auto a3 = fixture.groups("A-3");
  REQUIRE((a1.size() == 1 && a2.size() == 2 && a3.size() == 1));
  const auto due = [&](std::int64_t now_after_ms, std::size_t marks) {
    std::vector<std::int64_t> ids;
    for (const auto& group : must(fixture.judgements.due(kReceived + now_after_ms, marks)))
      ids.push_back(group.group_id);
    return ids;
  };
  using Ids = std::vector<std::int64_t>;
  // The two earliest marks are A-2's at 100 and A-1's: both positions whole, A-2's newest last.
  CHECK(due(10, 2) == Ids{a1[0].id, a2[0].id, a2[1].id});
  // Not yet due is not read, whatever the page.
  CHECK(due(4, 10) == Ids{a1[0].id, a2[0].id, a3[0].id});
  CHECK(due(0, 10).empty());
  for (const auto id : due(10, 2)) must(fixture.judgements.clear_dirty(id));
  CHECK(due(10, 2) == Ids{a3[0].id});
}

TEST_CASE_TEMPLATE(
    "reconcile projections: a close makes zeros where stock is expected, and only its session's latest counts", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.baseline("A-1", "SKU-A", 4, 0));
  fixture.apply(m.baseline("A-1", "SKU-B", 0, 0));
  fixture.apply(m.close("A-1", 100, "u1", "cs-1"));
  auto zeros = fixture.groups("A-1");
  REQUIRE(zeros.size() == 1);
  CHECK(zeros[0].counts == 0);
  CHECK(zeros[0].expected == 4);
  CHECK(zeros[0].closed_hlc == HlcStamp{stamp_at(100)});
  CHECK(fixture.groups("A-1", "SKU-B").empty());

  fixture.apply(m.receive("A-1", "SKU-B", 2, 50));  // late: SKU-B was there when cs-1 closed
  REQUIRE(fixture.groups("A-1", "SKU-B").size() == 1);
  CHECK(fixture.groups("A-1", "SKU-B")[0].expected == 2);

  fixture.apply(m.sale("A-1", "SKU-A", 4, 150));
  fixture.apply(m.close("A-1", 200, "u2", "cs-1"));  // the session's last word: SKU-A is gone by then
  zeros = fixture.groups("A-1");
  REQUIRE(zeros.size() == 1);
  CHECK(zeros[0].closed_hlc == HlcStamp{stamp_at(200)});
  CHECK(zeros[0].expected == 0);
  CHECK(zeros[0].first_user == "u2");
  CHECK(zeros[0].is_void());

  fixture.apply(m.close("A-1", 120, "u3", "cs-1"));  // an earlier close of the session changes nothing
  CHECK(fixture.groups("A-1")[0].closed_hlc == HlcStamp{stamp_at(200)});
}

TEST_CASE_TEMPLATE("reconcile projections: a count of the closing session replaces the zero with what was counted",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.baseline("A-1", "SKU-A", 4, 0));
  fixture.apply(m.close("A-1", 100, "u1", "cs-1"));
  fixture.apply(m.count("A-1", "SKU-A", 3, 90, "u2", "cs-1"));
  const auto groups = fixture.groups("A-1");
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].counts == 1);
  CHECK(groups[0].counted == 3);
  CHECK_FALSE(groups[0].closed_hlc.has_value());
  CHECK(groups[0].last_hlc == HlcStamp{stamp_at(90)});
  CHECK(groups[0].first_user == "u2");
}

TEST_CASE_TEMPLATE("reconcile projections: a task's close makes a zero for the task's position whatever is expected",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  fixture.apply(fixture.make.count("A-1", "SKU-A", 5, 10, "u1"));  // the position exists, expecting nothing
  const std::int64_t position = fixture.position("A-1", "SKU-A");
  must(fixture.projections.apply(std::string(testing::kSite), "hh-2",
                                 fixture.make.close("A-1", 100, "u2", "", "rt-1-1"), kTiming, position));
  const auto groups = fixture.groups("A-1");
  REQUIRE(groups.size() == 2);
  CHECK(groups[1].task_id == "rt-1-1");
  CHECK(groups[1].session_key == "user:u2");
  CHECK(groups[1].counts == 0);
  CHECK_FALSE(groups[1].is_void());
}

// Projections remember position ids and the newest stamps at each position so that an event
// newer than everything skips the statements that shift later rows. The two cases below fail if
// that memory outlives a rollback or is not read back from the tables by a new instance.

TEST_CASE_TEMPLATE("reconcile projections: a position created in a rolled-back transaction is created again", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  {
    auto transaction = must(storage::Transaction::begin(fixture.database));
    fixture.apply(m.receive("A-1", "SKU-A", 5, 10));
    fixture.apply(m.count("A-1", "SKU-A", 5, 20, "u1"));
  }  // rolled back
  fixture.apply(m.receive("A-1", "SKU-A", 3, 30));
  fixture.apply(m.count("A-1", "SKU-A", 3, 40, "u1"));
  const auto positions = must(fixture.read_model.positions(PositionQuery{}));
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].on_hand == 3);
  CHECK(positions[0].movements == 1);
  const auto groups = fixture.groups("A-1");
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].expected == 3);
}

TEST_CASE_TEMPLATE(
    "reconcile projections: a restarted hub's late events reach the groups, baselines and closes after them", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  ProjectionsFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.baseline("A-1", "SKU-A", 10, 100));
  fixture.apply(m.count("A-1", "SKU-A", 10, 200, "u1", "cs-1"));
  fixture.apply(m.close("A-1", 300, "u1", "cs-1"));
  fixture.clear_due();
  // Each late event goes to a fresh instance, as after a restart: only the tables know the past.
  const auto restarted = [&fixture](const Event& event) {
    Projections projections = must(Projections::prepare(fixture.database));
    must(projections.apply(std::string(testing::kSite), "hh-2", event, kTiming));
  };

  restarted(m.sale("A-1", "SKU-A", 2, 150));  // after the baseline, before the count
  REQUIRE(fixture.groups("A-1").size() == 1);
  CHECK(fixture.groups("A-1")[0].expected == 8);
  CHECK(fixture.due_groups() == std::vector<std::int64_t>{fixture.groups("A-1")[0].id});

  restarted(m.receive("A-1", "SKU-A", 4, 50));  // before the baseline: already in its 10
  CHECK(fixture.expected("A-1", 200) == 8);

  restarted(m.receive("A-1", "SKU-B", 6, 250));  // a new SKU there before cs-1 closed the location
  REQUIRE(fixture.groups("A-1", "SKU-B").size() == 1);
  CHECK(fixture.groups("A-1", "SKU-B")[0].expected == 6);
  CHECK(fixture.groups("A-1", "SKU-B")[0].counts == 0);
}

TEST_CASE("reconcile projections: only baselines and the hub's own corrections are not stock moving") {
  testing::EventMaker m;
  CHECK(is_physical(m.receive("A-1", "SKU-A", 1, 0)));
  CHECK(is_physical(m.adjust("A-1", "SKU-A", -1, 0)));
  CHECK_FALSE(is_physical(m.baseline("A-1", "SKU-A", 1, 0)));
  Event correction = m.adjust("A-1", "SKU-A", -1, 0);
  correction.reference = "discrepancy:7";
  CHECK_FALSE(is_physical(correction));
  for (const GroupRole role : {GroupRole::kCount, GroupRole::kRecount, GroupRole::kRefused}) {
    CHECK(parse_group_role(to_string(role)) == role);
  }
  for (const CauseKind kind : {CauseKind::kCount, CauseKind::kMovement, CauseKind::kClose, CauseKind::kReevaluation}) {
    CHECK(parse_cause_kind(to_string(kind)) == kind);
  }
}

}  // namespace
}  // namespace recount::hub::reconcile
