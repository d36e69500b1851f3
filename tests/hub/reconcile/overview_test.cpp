// The overview: open discrepancies by state and age, value at risk, and the four measures per
// week and month, against figures worked out by hand.
#include "hub/reconcile/overview.hpp"

#include <doctest/doctest.h>

#include <string>

#include "hub/reconcile/discrepancy_store.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kHourMs = 3'600'000;
// Monday 2026-09-21 14:13:20 UTC.
constexpr std::int64_t kNowMs = 1'790'000'000'000;
constexpr std::int64_t kThisWeek = 1'789'948'800'000;         // Monday 2026-09-21 00:00 UTC
constexpr std::int64_t kTwoWeeksAgo = 1'788'739'200'000;      // Monday 2026-09-07
constexpr std::int64_t kThisMonth = 1'788'220'800'000;        // 2026-09-01
constexpr std::int64_t kElevenMonthsAgo = 1'759'276'800'000;  // 2025-10-01
constexpr std::int64_t kNextMonth = 1'790'812'800'000;        // 2026-10-01

// Four discrepancies at four positions of two sites:
//  1 s1  -500 cents, opened 2 h ago, open
//  2 s1   900, opened 3 days ago, awaiting review
//  3 s2 -2000, opened 10 days ago, written off for damage a day later; its count was scanned an
//        hour before it opened
//  4 s2  -100, opened 40 days ago, open
// and two judged counts 10 days ago: one out of tolerance, one exact.
template <typename Backend>
struct OverviewFixture {
  Backend backend;
  storage::Connection& database = [this]() -> storage::Connection& {
    storage::Connection& opened = testing::migrated(backend.connection());
    must(
        opened.execute("INSERT INTO reconcile_positions (site, location, sku, lot) VALUES ('s1', 'A-1', 'SKU-A', ''),"
                       " ('s1', 'A-2', 'SKU-A', ''), ('s2', 'A-1', 'SKU-A', ''), ('s2', 'A-2', 'SKU-A', '')"));
    return opened;
  }();
  DiscrepancyStore store = must(DiscrepancyStore::prepare(database));
  OverviewReader reader = must(OverviewReader::prepare(database));
  MetricsReader metrics = must(MetricsReader::prepare(database));

  OverviewFixture() {
    const std::int64_t counted_ms = kNowMs - 10 * kDayMs;
    const std::string judged =
        "INSERT INTO reconcile_groups (id, position_id, task_id, session_key, counts, counted,"
        " first_hlc, last_hlc, first_user, expected, verdict, variance, received_ms) VALUES ";
    must(database.execute(judged + "(3, 3, '', 'session:a', 1, 7, " + hlc(counted_ms - kHourMs) + ", " +
                          hlc(counted_ms - kHourMs) + ", 'u1', 10, 'out_of_tolerance', -3, " +
                          std::to_string(counted_ms) + "), (5, 1, '', 'session:b', 1, 4, " + hlc(counted_ms) + ", " +
                          hlc(counted_ms) + ", 'u1', 4, 'accepted', 0, " + std::to_string(counted_ms) + ")"));
    must(
        database.execute("INSERT INTO reconcile_counts (event_id, group_id, hlc, wall_ms, qty, device, \"user\", "
                         "session, task_id, barcode)"
                         " VALUES ('e-3', 3, 0, " +
                         std::to_string(counted_ms - kHourMs) + ", 7, 'd1', 'u1', 'a', '', '')"));
    open(1, "s1", -500, kNowMs - 2 * kHourMs);
    const std::int64_t review = open(2, "s1", 900, kNowMs - 3 * kDayMs);
    must(store.transition(review, DiscrepancyState::kAwaitingReview, Resolution::kNone, kNowMs - 3 * kDayMs,
                          Actor::system(), "", ""));
    const std::int64_t written_off = open(3, "s2", -2000, counted_ms);
    must(store.record_adjustment(written_off, "adjust-1", -3, -2000, ReasonCode::kDamage));
    must(store.transition(written_off, DiscrepancyState::kClosed, Resolution::kWrittenOff, counted_ms + kDayMs,
                          Actor::operator_named("ops"), "", ""));
    open(4, "s2", -100, kNowMs - 40 * kDayMs);
  }

  static std::string hlc(std::int64_t wall_ms) { return std::to_string(wall_ms << 16); }

  std::int64_t open(std::int64_t position, const std::string& site, std::int64_t value, std::int64_t at_ms) {
    return must(store.open(position, site, Figures{position, Classification::kVariance, 10, 7, -3, value}, "u1", at_ms,
                           Actor::system(), "", ""));
  }
  Overview read(const std::string& site = "") { return must(reader.read(OverviewQuery{site, kNowMs}, metrics)); }
};

TEST_CASE("reconcile overview: weeks start on Monday and months on the first, in UTC") {
  CHECK(week_start_ms(kNowMs, 0) == kThisWeek);
  CHECK(week_start_ms(kThisWeek, 0) == kThisWeek);
  CHECK(week_start_ms(kNowMs, -2) == kTwoWeeksAgo);
  CHECK(week_start_ms(kThisWeek - 1, 0) == kThisWeek - 7 * kDayMs);
  CHECK(month_start_ms(kNowMs, 0) == kThisMonth);
  CHECK(month_start_ms(kNowMs, -11) == kElevenMonthsAgo);
  CHECK(month_start_ms(kNowMs, 1) == kNextMonth);
}

TEST_CASE_TEMPLATE("reconcile overview: open discrepancies by state and age, and the value at risk", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  OverviewFixture<Backend> fixture;
  const Overview all = fixture.read();
  CHECK(all.sites == std::vector<std::string>{"s1", "s2"});
  CHECK(all.open_by_state == std::map<std::string, std::int64_t>{{"open", 2}, {"awaiting_review", 1}});
  REQUIRE(all.open_by_age.size() == 4);
  CHECK(all.open_by_age[0].label == "< 1 day");
  CHECK(all.open_by_age[0].max_age_ms == kDayMs);
  CHECK(all.open_by_age[0].count == 1);
  CHECK(all.open_by_age[1].count == 1);
  CHECK(all.open_by_age[2].count == 0);
  CHECK(all.open_by_age[3].count == 1);
  CHECK_FALSE(all.open_by_age[3].max_age_ms.has_value());
  CHECK(all.value_at_risk_cents == 500 + 900 + 100);

  const Overview s2 = fixture.read("s2");
  CHECK(s2.sites == std::vector<std::string>{"s2"});
  CHECK(s2.open_by_state == std::map<std::string, std::int64_t>{{"open", 1}});
  CHECK(s2.value_at_risk_cents == 100);
}

TEST_CASE_TEMPLATE("reconcile overview: the measures fall in their week or month, null where nothing happened", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  OverviewFixture<Backend> fixture;
  const Overview overview = fixture.read();
  REQUIRE(overview.variance_rate.size() == 12);
  REQUIRE(overview.cycle_time_ms.size() == 12);
  REQUIRE(overview.resolution_time_ms.size() == 12);
  REQUIRE(overview.write_off_by_reason.size() == 12);
  CHECK(overview.variance_rate[11].from_ms == kThisWeek);
  CHECK(overview.variance_rate[11].to_ms == kThisWeek + 7 * kDayMs);
  CHECK(overview.variance_rate[9].from_ms == kTwoWeeksAgo);
  // Ten days before Monday the 21st is Friday the 11th; closed a day later: the week of the 7th.
  CHECK(overview.variance_rate[9].value == 0.5);  // one count of two disagreed
  CHECK(overview.resolution_time_ms[9].value == static_cast<double>(kDayMs));
  CHECK(overview.cycle_time_ms[9].value == static_cast<double>(kDayMs + kHourMs));
  for (const int week : {0, 8, 10, 11}) {
    CHECK_FALSE(overview.variance_rate[week].value.has_value());
    CHECK_FALSE(overview.resolution_time_ms[week].value.has_value());
    CHECK_FALSE(overview.cycle_time_ms[week].value.has_value());
  }
  CHECK(overview.write_off_by_reason[0].from_ms == kElevenMonthsAgo);
  CHECK(overview.write_off_by_reason[11].from_ms == kThisMonth);
  CHECK(overview.write_off_by_reason[11].to_ms == kNextMonth);
  CHECK(overview.write_off_by_reason[11].by_reason == std::map<std::string, std::int64_t>{{"damage", 2000}});
  CHECK(overview.write_off_by_reason[10].by_reason.empty());
  CHECK(fixture.read("s1").write_off_by_reason[11].by_reason.empty());
}

TEST_CASE_TEMPLATE("reconcile overview: nothing waits for reconciliation once it applied every stored event", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  OverviewFixture<Backend> fixture;
  CHECK_FALSE(fixture.read().oldest_unapplied_ms.has_value());
}

}  // namespace
}  // namespace recount::hub::reconcile
