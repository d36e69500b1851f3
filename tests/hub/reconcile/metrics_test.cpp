// Metrics per site: the variance rate over every judged count, write-off value and resolution time.
#include "hub/reconcile/metrics.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

// Counts at 100 s (exact, within tolerance, a variance), 200 s (ambiguous) and 300 s (the
// confirming recount, adjusted −3); discrepancies 1 and 2 open at now and 1 closes at now + 90 s.
template <typename Backend>
void count_and_adjust(testing::ReconcileFixture<Backend>& fixture) {
  fixture.set_policy(R"({"ambiguity_window_ms": 60000, "approval_limit_cents": 100000,)"
                     R"( "tolerances": [{"scope": {"sku": "SKU-B"}, "shortage": {"units": 1}, "overage": {}}]})");
  auto& m = fixture.make;
  fixture.deliver({m.baseline("A-1", "SKU-A", 10, 0), m.baseline("A-2", "SKU-A", 10, 0),
                   m.baseline("A-1", "SKU-B", 10, 0), m.baseline("DOCK", "SKU-B", 10, 0)});
  fixture.deliver({m.count("A-1", "SKU-A", 10, 100, "u1"),   // exact
                   m.count("A-1", "SKU-B", 9, 100, "u1"),    // within tolerance
                   m.count("A-2", "SKU-A", 7, 100, "u1")});  // a variance: discrepancy 1
  fixture.deliver({m.sale("DOCK", "SKU-B", 1, 190), m.count("DOCK", "SKU-B", 6, 200, "u1")});  // ambiguous: 2
  fixture.now_ms += 90'000;
  fixture.deliver(m.count("A-2", "SKU-A", 7, 300, "u2", "", "rt-1-1"), "hh-2");  // confirmed, adjusted −3
}

TEST_CASE_TEMPLATE("reconcile metrics: counts, variances, write-offs and resolution time are reported per site",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::ReconcileFixture<Backend> fixture;
  count_and_adjust(fixture);

  const auto metrics = must(fixture.queries.metrics(MetricsQuery{}));
  REQUIRE(metrics.size() == 1);
  const SiteMetrics& site = metrics[0];
  CHECK(site.site == "s1");
  CHECK(site.counts == 5);
  // The recount agrees with the adjusted ledger now, but it found the ledger wrong: a variance.
  CHECK(site.exact == 1);
  CHECK(site.within_tolerance == 1);
  CHECK(site.ambiguous == 1);
  CHECK(site.out_of_tolerance == 2);
  CHECK(site.variance_rate == doctest::Approx(0.8));
  CHECK(site.discrepancies_opened == 2);
  CHECK(site.discrepancies_closed == 1);
  CHECK(site.write_off_cents == 750);
  CHECK(site.found_cents == 0);
  CHECK(site.mean_resolution_ms == 90'000);

  // A window before the counts sees none of them; one site only, or an unknown site.
  const std::int64_t t0 = testing::kT0Ms;
  CHECK(must(fixture.queries.metrics(MetricsQuery{"", t0, t0 + 50'000})).empty());
  CHECK(must(fixture.queries.metrics(MetricsQuery{"s1", t0 + 150'000, t0 + 250'000}))[0].counts == 1);
  CHECK(must(fixture.queries.metrics(MetricsQuery{"s9", 0, testing::kNowMs * 2})).empty());
}

// Each row lands in the one period it falls in; those exactly on a boundary start the next.
TEST_CASE_TEMPLATE("reconcile metrics: several periods read at once give each what reading it alone gives", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::ReconcileFixture<Backend> fixture;
  count_and_adjust(fixture);
  MetricsReader reader = must(MetricsReader::prepare(fixture.database));
  const auto alone = [&reader](std::int64_t from_ms, std::int64_t to_ms) {
    return must(reader.read(MetricsQuery{"", from_ms, to_ms}));
  };

  const std::int64_t counted = testing::kT0Ms + 100'000;
  const auto counts = must(reader.read_periods("", counted - 100'000, 100'000, 4));
  REQUIRE(counts.size() == 4);
  CHECK(counts[0].empty());
  REQUIRE(counts[1].size() == 1);
  CHECK(counts[1][0].counts == 3);
  CHECK(counts[1][0].exact == 1);
  CHECK(counts[1][0].within_tolerance == 1);
  CHECK(counts[1][0].out_of_tolerance == 1);
  REQUIRE(counts[2].size() == 1);
  CHECK(counts[2][0].counts == 1);
  CHECK(counts[2][0].ambiguous == 1);
  REQUIRE(counts[3].size() == 1);
  CHECK(counts[3][0].counts == 1);
  CHECK(counts[3][0].out_of_tolerance == 1);
  for (std::size_t period = 0; period < counts.size(); ++period) {
    const std::int64_t from = counted + 100'000 * (static_cast<std::int64_t>(period) - 1);
    CHECK(counts[period] == alone(from, from + 100'000));
  }

  const auto closings = must(reader.read_periods("", testing::kNowMs, 90'000, 2));
  REQUIRE(closings.size() == 2);
  REQUIRE(closings[0].size() == 1);
  CHECK(closings[0][0].discrepancies_opened == 2);
  CHECK(closings[0][0].discrepancies_closed == 0);
  CHECK_FALSE(closings[0][0].mean_resolution_ms);
  REQUIRE(closings[1].size() == 1);
  CHECK(closings[1][0].discrepancies_opened == 0);
  CHECK(closings[1][0].discrepancies_closed == 1);
  CHECK(closings[1][0].write_off_cents == 750);
  CHECK(closings[1][0].mean_resolution_ms == 90'000);
  CHECK(closings[0] == alone(testing::kNowMs, testing::kNowMs + 90'000));
  CHECK(closings[1] == alone(testing::kNowMs + 90'000, testing::kNowMs + 180'000));
}

}  // namespace
}  // namespace recount::hub::reconcile
