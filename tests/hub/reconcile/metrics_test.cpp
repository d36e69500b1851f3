// Metrics per site: the variance rate over every judged count, write-off value and resolution time.
#include "hub/reconcile/metrics.hpp"

#include <doctest/doctest.h>

#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;

TEST_CASE("reconcile metrics: counts, variances, write-offs and resolution time are reported per site") {
  testing::ReconcileFixture fixture;
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

  const auto metrics = must(fixture.reconciler.metrics(MetricsQuery{}));
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
  CHECK(must(fixture.reconciler.metrics(MetricsQuery{"", t0, t0 + 50'000})).empty());
  CHECK(must(fixture.reconciler.metrics(MetricsQuery{"s1", t0 + 150'000, t0 + 250'000}))[0].counts == 1);
  CHECK(must(fixture.reconciler.metrics(MetricsQuery{"s9", 0, testing::kNowMs * 2})).empty());
}

}  // namespace
}  // namespace recount::hub::reconcile
