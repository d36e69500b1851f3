// DriftFinder: one scenario per candidate explanation, through the reconciler's own write path: the
// origin and the top candidate are right, and they move when a late event arrives. Then scopes,
// limits and errors.
#include "hub/investigate/drift.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/hub/reconcile/reconciler_fixture.hpp"

namespace recount::hub::investigate {
namespace {

using reconcile::testing::must;
using reconcile::testing::stamp_at;

constexpr std::int64_t kMinuteMs = 60'000;

struct DriftFixture : reconcile::testing::ReconcileFixture<> {
  DriftFinder finder = must(DriftFinder::prepare(database, catalog));
  DriftSettings settings{reconcile::testing::kNowMs, kMinuteMs, 240 * kMinuteMs, 5 * kMinuteMs, 5};

  static reconcile::PositionKey key(const std::string& location, const std::string& sku) {
    return reconcile::PositionKey{std::string(reconcile::testing::kSite), location, sku, ""};
  }

  DriftReport report(const DriftQuery& query) { return must(finder.find(query, settings)); }

  // The drift of one position, or none when it agrees.
  std::optional<PositionDrift> drift_at(const std::string& location, const std::string& sku) {
    auto found = report(DriftQuery{DriftScope::kPosition, key(location, sku), 50});
    if (found.drifts.empty()) return std::nullopt;
    REQUIRE(found.drifts.size() == 1);
    return found.drifts.front();
  }

  // Later arrivals: the hub's clock moves on before a late event is delivered.
  void deliver_late(const Event& event, const std::string& device = "hh-late") {
    now_ms += 10 * kMinuteMs;
    deliver(event, device);
  }
};

bool has_evidence(const Candidate& candidate, const std::string& event_id) {
  return std::find(candidate.evidence.begin(), candidate.evidence.end(), event_id) != candidate.evidence.end();
}

TEST_CASE("drift: a receipt never put away explains stock found on a shelf, until the late put-away arrives") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 5, 10));
  const Event good = m.count("A-1", "SKU-B", 5, 100, "u1", "s1");
  f.deliver(good);
  const Event receipt = m.receive("DOCK", "SKU-B", 4, 200);
  f.deliver(receipt);
  const Event found = m.count("A-1", "SKU-B", 9, 3600, "u2", "s2");
  f.deliver(found);

  auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  REQUIRE(drift->known_good);
  CHECK(drift->known_good->event_id == good.event_id);
  CHECK(drift->origin.event_id == found.event_id);
  CHECK(drift->origin.variance == 4);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kReceiptNotPutAway);
  CHECK(has_evidence(drift->candidates.front(), receipt.event_id));

  // The put-away, scanned on a device that was offline, happened before the count.
  f.deliver_late(m.move("DOCK", "A-1", "SKU-B", 4, 300));
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
}

TEST_CASE("drift: a move whose destination never showed the stock, until the late move onwards arrives") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.baseline("A-2", "SKU-B", 2, 10));
  const Event good = m.count("A-2", "SKU-B", 2, 50, "u1", "s1");
  f.deliver(good);
  const Event move = m.move("A-1", "A-2", "SKU-B", 6, 100);
  f.deliver(move);
  const Event short_count = m.count("A-2", "SKU-B", 2, 1000, "u2", "s2");
  f.deliver(short_count);

  auto drift = f.drift_at("A-2", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == short_count.event_id);
  CHECK(drift->origin.variance == -6);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kMoveWithoutArrival);
  CHECK(drift->candidates.front().evidence == std::vector<std::string>{move.event_id});
  // The move is among the events around the origin, with who made it and when it arrived.
  const auto listed =
      std::find_if(drift->around.begin(), drift->around.end(),
                   [&](const reconcile::HistoryEntry& entry) { return entry.event_id == move.event_id; });
  REQUIRE(listed != drift->around.end());
  CHECK(listed->device == "hh-1");
  CHECK(listed->arrived_ms == f.now_ms);

  f.deliver_late(m.move("A-2", "A-3", "SKU-B", 6, 500));
  CHECK_FALSE(f.drift_at("A-2", "SKU-B"));
}

TEST_CASE("drift: a sale without a pick, and a late return moves the origin to the next unpicked sale") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.count("A-1", "SKU-B", 10, 50, "u1", "s1"));
  const Event first_sale = m.sale("A-1", "SKU-B", 3, 100);
  f.deliver(first_sale, "pos-1");
  const Event first = m.count("A-1", "SKU-B", 10, 1000, "u2", "s2");
  f.deliver(first);
  const Event second_sale = m.sale("A-1", "SKU-B", 2, 1500);
  f.deliver(second_sale, "pos-1");
  const Event second = m.count("A-1", "SKU-B", 10, 2000, "u1", "s3");
  f.deliver(second);

  auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == first.event_id);
  CHECK(drift->diverged_observations == 2);
  CHECK(drift->latest.event_id == second.event_id);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kSaleWithoutPick);
  CHECK(drift->candidates.front().evidence == std::vector<std::string>{first_sale.event_id});

  // The first sale's units came back as a return booked on a device that synced late.
  Event returned = m.adjust("A-1", "SKU-B", 3, 500);
  returned.reason = ReasonCode::kReturn;
  f.deliver_late(returned);
  drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == second.event_id);
  CHECK(drift->known_good->event_id == first.event_id);
  CHECK(drift->origin.variance == 2);
  CHECK(drift->candidates.front().kind == CandidateKind::kSaleWithoutPick);
  CHECK(drift->candidates.front().evidence == std::vector<std::string>{second_sale.event_id});
}

TEST_CASE("drift: a pack-multiple error, and a late receipt moves the origin back to the count that agreed") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-A", 24, 10));
  const Event agreed = m.count("A-1", "SKU-A", 24, 200, "u1", "s1");
  f.deliver(agreed);
  const Event cases = m.count("A-1", "SKU-A", 12, 1000, "u2", "s2");
  f.deliver(cases);

  auto drift = f.drift_at("A-1", "SKU-A");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == cases.event_id);
  CHECK(drift->origin.variance == -12);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kPackMultiple);
  CHECK(has_evidence(drift->candidates.front(), cases.event_id));

  // A case received minutes before the first count: that count missed it too.
  f.deliver_late(m.receive("A-1", "SKU-A", 12, 20));
  drift = f.drift_at("A-1", "SKU-A");
  REQUIRE(drift);
  CHECK_FALSE(drift->known_good);
  CHECK(drift->origin.event_id == agreed.event_id);
  CHECK(drift->origin.variance == -12);
  CHECK(drift->candidates.front().kind == CandidateKind::kPackMultiple);
  CHECK(has_evidence(drift->candidates.front(), agreed.event_id));
}

TEST_CASE("drift: a device whose clock was off put its receipt before the count, until the late sale arrives") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.count("A-1", "SKU-B", 10, 50, "u1", "s1"));
  // hh-2's clock ran 30 minutes slow: it said so in its status, and its receipt stands before a
  // count that it followed.
  must(f.events.record_status(std::string(reconcile::testing::kSite),
                              protocol::Status{"hh-2", protocol::DeviceState::kOnline, 0, 0, -30 * kMinuteMs, 0},
                              f.now_ms, f.now_ms));
  const Event skewed = m.receive("A-1", "SKU-B", 5, 900);
  f.deliver(skewed, "hh-2");
  const Event count = m.count("A-1", "SKU-B", 10, 1000, "u2", "s2");
  f.deliver(count);

  auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == count.event_id);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kClockSkew);
  CHECK(has_evidence(drift->candidates.front(), skewed.event_id));

  f.deliver_late(m.sale("A-1", "SKU-B", 5, 950), "pos-1");
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
}

TEST_CASE("drift: an event whose stamp is far from its device's wall time makes the device suspect") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  Event skewed = m.sale("A-1", "SKU-B", 1, 900);
  skewed.wall_ms -= 20 * kMinuteMs;
  f.deliver(skewed, "hh-3");
  f.deliver(m.count("A-1", "SKU-B", 7, 2000, "u2", "s2"));

  auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  const auto clock = std::find_if(drift->candidates.begin(), drift->candidates.end(), [](const Candidate& candidate) {
    return candidate.kind == CandidateKind::kClockSkew;
  });
  REQUIRE(clock != drift->candidates.end());
  CHECK(clock->evidence == std::vector<std::string>{skewed.event_id});
  CHECK(clock->score < 75);  // moved 1 where 2 are missing
}

TEST_CASE("drift: a count during movement, and a late find within the window settles it") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.count("A-1", "SKU-B", 10, 50, "u1", "s1"));
  const Event move = m.move("A-1", "A-2", "SKU-B", 4, 1000);
  f.deliver(move);
  const Event count = m.count("A-1", "SKU-B", 10, 1030, "u2", "s2");
  f.deliver(count);

  auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == count.event_id);
  CHECK(drift->origin.variance == 4);
  REQUIRE(drift->candidates.size() >= 2);
  CHECK(drift->candidates.front().kind == CandidateKind::kCountDuringMovement);
  CHECK(has_evidence(drift->candidates.front(), move.event_id));
  CHECK(has_evidence(drift->candidates.front(), count.event_id));
  CHECK(drift->candidates[1].kind == CandidateKind::kMoveWithoutArrival);  // the move that did not leave

  Event found = m.adjust("A-1", "SKU-B", 4, 1020);
  found.reason = ReasonCode::kFound;
  f.deliver_late(found);
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
}

TEST_CASE("drift: stock missing at one location and found at another is the two halves of an unscanned move") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.baseline("A-2", "SKU-B", 0, 10));
  const Event missing = m.count("A-1", "SKU-B", 7, 1000, "u1", "s1");
  const Event extra = m.count("A-2", "SKU-B", 3, 1100, "u1", "s1");
  f.deliver(std::vector<Event>{missing, extra});

  const auto report = f.report(DriftQuery{DriftScope::kSku, DriftFixture::key("", "SKU-B"), 50});
  REQUIRE(report.drifts.size() == 2);
  CHECK(report.drifts[0].position.location == "A-1");  // earliest origin first
  for (const auto& drift : report.drifts) {
    REQUIRE_FALSE(drift.candidates.empty());
    CHECK(drift.candidates.front().kind == CandidateKind::kMoveWithoutArrival);
    CHECK(has_evidence(drift.candidates.front(), missing.event_id));
    CHECK(has_evidence(drift.candidates.front(), extra.event_id));
  }
}

TEST_CASE("drift: a stale receipt at a dock the count found empty scores above the move pair") {
  DriftFixture f;
  auto& m = f.make;
  const Event receipt = m.receive("DOCK", "SKU-B", 6, 100);
  f.deliver(receipt);
  f.deliver(m.count("DOCK", "SKU-B", 0, 3600, "u1", "s1"));
  auto drift = f.drift_at("DOCK", "SKU-B");
  REQUIRE(drift);
  CHECK_FALSE(drift->known_good);
  REQUIRE_FALSE(drift->candidates.empty());
  CHECK(drift->candidates.front().kind == CandidateKind::kReceiptNotPutAway);
  CHECK(drift->candidates.front().score == 90);
  CHECK(drift->candidates.front().evidence == std::vector<std::string>{receipt.event_id});

  // Received an hour before "now": within the put-away time, not stale.
  DriftFixture recent;
  recent.deliver(recent.make.receive("DOCK", "SKU-B", 6, 23 * 3600));
  recent.deliver(recent.make.count("DOCK", "SKU-B", 0, 23 * 3600 + 60, "u1", "s1"));
  drift = recent.drift_at("DOCK", "SKU-B");
  REQUIRE(drift);
  for (const auto& candidate : drift->candidates) CHECK(candidate.kind != CandidateKind::kReceiptNotPutAway);
}

TEST_CASE("drift: a site query lists drifting positions earliest origin first, up to its limit") {
  DriftFixture f;
  auto& m = f.make;
  for (int i = 0; i < 5; ++i) {
    const std::string location = "B-" + std::to_string(i);
    f.deliver(m.baseline(location, "SKU-B", 10, 10));
    // B-0 counts last, B-4 first; B-2 agrees.
    f.deliver(m.count(location, "SKU-B", i == 2 ? 10 : 9, 5000 - i * 100.0, "u1", "s" + std::to_string(i)));
  }
  auto report = f.report(DriftQuery{DriftScope::kSite, DriftFixture::key("", ""), 3});
  CHECK(report.positions_examined == 5);
  CHECK(report.positions_drifting == 4);
  CHECK(report.truncated);
  REQUIRE(report.drifts.size() == 3);
  CHECK(report.drifts[0].position.location == "B-4");
  CHECK(report.drifts[1].position.location == "B-3");
  CHECK(report.drifts[2].position.location == "B-1");
  report = f.report(DriftQuery{DriftScope::kSite, DriftFixture::key("", ""), 50});
  CHECK_FALSE(report.truncated);
  CHECK(report.drifts.size() == 4);
}

TEST_CASE("drift: a divergence that the resolving adjustment corrected is drift no more") {
  DriftFixture f;
  f.set_policy(R"({"max_recount_rounds": 0})");
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.count("A-1", "SKU-B", 7, 1000, "u1", "s1"));
  REQUIRE(f.drift_at("A-1", "SKU-B"));
  f.resolve(f.discrepancies().front().id, reconcile::OperatorAction::kApprove);
  REQUIRE(f.adjustments.size() == 1);
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
  // Stock moved on the floor after the count does not bring it back.
  f.deliver(m.sale("A-1", "SKU-B", 2, 2000), "pos-1");
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
  // A new disagreement starts from the count the books were corrected to.
  const Event again = m.count("A-1", "SKU-B", 4, 3000, "u2", "s2");
  f.deliver(again);
  const auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == again.event_id);
  CHECK(drift->origin.variance == -1);
  REQUIRE(drift->known_good);
  CHECK(drift->known_good->counted == 7);
  CHECK(drift->diverged_observations == 1);
}

TEST_CASE("drift: a new baseline set to a disagreeing count ends that divergence, and the next one starts after it") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  const Event short_count = m.count("A-1", "SKU-B", 7, 1000, "u1", "s1");
  f.deliver(short_count);
  f.deliver(m.sale("A-1", "SKU-B", 1, 1200), "pos-1");
  REQUIRE(f.drift_at("A-1", "SKU-B"));
  f.deliver(m.baseline("A-1", "SKU-B", 6, 1500));  // the books set to the count, less the sale since
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
  const Event again = m.count("A-1", "SKU-B", 4, 3000, "u2", "s2");
  f.deliver(again);
  const auto drift = f.drift_at("A-1", "SKU-B");
  REQUIRE(drift);
  CHECK(drift->origin.event_id == again.event_id);
  REQUIRE(drift->known_good);
  CHECK(drift->known_good->event_id == short_count.event_id);
  CHECK(drift->known_good->variance == -3);
}

// The hub's database files as bytes: the main file and its write-ahead log.
std::string database_bytes(const std::filesystem::path& file) {
  std::string bytes;
  for (const auto& path : {file, std::filesystem::path(file.string() + "-wal")}) {
    std::ifstream in(path, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return bytes;
}

TEST_CASE("drift: a query writes nothing") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.receive("DOCK", "SKU-B", 6, 100));
  f.deliver(m.count("A-1", "SKU-B", 7, 1000, "u1", "s1"));
  const std::string before = database_bytes(f.backend.dir / "hub.db");
  REQUIRE_FALSE(before.empty());
  CHECK(f.report(DriftQuery{DriftScope::kSite, DriftFixture::key("", ""), 50}).positions_drifting == 1);
  CHECK(database_bytes(f.backend.dir / "hub.db") == before);
}

TEST_CASE("drift: a position agreeing at its latest count has no drift, and an unknown position is not found") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-B", 10, 10));
  f.deliver(m.count("A-1", "SKU-B", 9, 50, "u1", "s1"));
  f.deliver(m.count("A-1", "SKU-B", 10, 100, "u2", "s2"));
  CHECK_FALSE(f.drift_at("A-1", "SKU-B"));
  const auto missing =
      f.finder.find(DriftQuery{DriftScope::kPosition, DriftFixture::key("Z-9", "SKU-B"), 50}, f.settings);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message.find("Z-9/SKU-B") != std::string::npos);
}

// A connected system's reports traced as the floor's counts are: the subject is the SKU over the
// site (or at one location), its observations the system's judged snapshots.
DriftReport reported(DriftFixture& f, const std::string& system, DriftScope scope, const std::string& location,
                     const std::string& sku) {
  DriftQuery query{scope, DriftFixture::key(location, sku), 50};
  query.system = system;
  return f.report(query);
}

TEST_CASE("drift: a sale Shopify never heard of explains its report above the ledger, until a late receipt arrives") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-A", 10, 10));
  const Event agreed = m.snapshot("shopify", "", "SKU-A", 10, 100);
  f.deliver(agreed, "hub");
  const Event sale = m.sale("A-1", "SKU-A", 3, 200);
  f.deliver(sale);
  const Event first_off = m.snapshot("shopify", "", "SKU-A", 10, 300);
  f.deliver(first_off, "hub");
  f.deliver(m.snapshot("shopify", "", "SKU-A", 10, 400), "hub");

  auto report = reported(f, "shopify", DriftScope::kSku, "", "SKU-A");
  REQUIRE(report.drifts.size() == 1);
  const auto& drift = report.drifts.front();
  CHECK(drift.system == "shopify");
  CHECK(drift.position.location.empty());
  REQUIRE(drift.known_good);
  CHECK(drift.known_good->event_id == agreed.event_id);
  CHECK(drift.origin.event_id == first_off.event_id);
  CHECK(drift.origin.snapshot_id > 0);
  CHECK(drift.origin.user == "shopify");
  CHECK(drift.origin.expected == 7);
  CHECK(drift.origin.variance == 3);
  CHECK(drift.diverged_observations == 2);
  REQUIRE_FALSE(drift.candidates.empty());
  CHECK(drift.candidates.front().kind == CandidateKind::kMovementNotInSystem);
  CHECK(drift.candidates.front().score == 85);
  CHECK(has_evidence(drift.candidates.front(), sale.event_id));
  // The events around it name their location: a site's subject merges its positions.
  REQUIRE_FALSE(drift.around.empty());
  CHECK(drift.around.front().location == "A-1");
  // The warehouse's own counts are not drifting: nothing was counted.
  CHECK(f.report(DriftQuery{DriftScope::kSite, DriftFixture::key("", ""), 50}).drifts.empty());

  // A receipt of 3 before the report, scanned on a device that was offline, brings the ledger back
  // to what Shopify reported: no drift.
  f.deliver_late(m.receive("A-2", "SKU-A", 3, 250));
  CHECK(reported(f, "shopify", DriftScope::kSku, "", "SKU-A").drifts.empty());
}

TEST_CASE("drift: a late movement moves a system's origin back to the report that first disagreed") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-A", 10, 10));
  const Event first = m.snapshot("fba", "A-1", "SKU-A", 10, 100);
  const Event middle = m.snapshot("fba", "A-1", "SKU-A", 10, 300);
  const Event last = m.snapshot("fba", "A-1", "SKU-A", 10, 500);
  f.deliver(first, "hub");
  f.deliver(middle, "hub");
  const Event sale = m.sale("A-1", "SKU-A", 2, 400);
  f.deliver(sale);
  f.deliver(last, "hub");
  auto report = reported(f, "fba", DriftScope::kPosition, "A-1", "SKU-A");
  REQUIRE(report.drifts.size() == 1);
  CHECK(report.drifts.front().origin.event_id == last.event_id);
  REQUIRE(report.drifts.front().known_good);
  CHECK(report.drifts.front().known_good->event_id == middle.event_id);
  CHECK(has_evidence(report.drifts.front().candidates.front(), sale.event_id));

  // Late from an offline device: a sale of 2 at 200 and a receipt of 2 at 450. The report at 300
  // now disagrees too, and the sale before it is what FBA's figure does not reflect.
  const Event early_sale = m.sale("A-1", "SKU-A", 2, 200);
  f.deliver_late(early_sale);
  f.deliver_late(m.receive("A-1", "SKU-A", 2, 450));
  report = reported(f, "fba", DriftScope::kPosition, "A-1", "SKU-A");
  REQUIRE(report.drifts.size() == 1);
  CHECK(report.drifts.front().origin.event_id == middle.event_id);
  CHECK(report.drifts.front().origin.variance == 2);
  REQUIRE(report.drifts.front().known_good);
  CHECK(report.drifts.front().known_good->event_id == first.event_id);
  REQUIRE_FALSE(report.drifts.front().candidates.empty());
  CHECK(report.drifts.front().candidates.front().kind == CandidateKind::kMovementNotInSystem);
  CHECK(has_evidence(report.drifts.front().candidates.front(), early_sale.event_id));
}

TEST_CASE("drift: a system's report off by a whole pack is a pack-multiple error") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-A", 2, 10));
  f.deliver(m.snapshot("shopify", "", "SKU-A", 24, 100), "hub");
  const auto report = reported(f, "shopify", DriftScope::kSite, "", "");
  REQUIRE(report.drifts.size() == 1);
  CHECK_FALSE(report.drifts.front().known_good);
  REQUIRE_FALSE(report.drifts.front().candidates.empty());
  CHECK(report.drifts.front().candidates.front().kind == CandidateKind::kPackMultiple);
  CHECK(report.drifts.front().candidates.front().explanation.find("shopify reported 24") != std::string::npos);
}

TEST_CASE("drift: a system's subject it never reported is not found") {
  DriftFixture f;
  auto& m = f.make;
  f.deliver(m.baseline("A-1", "SKU-A", 10, 10));
  f.deliver(m.snapshot("shopify", "", "SKU-A", 10, 100), "hub");
  DriftQuery query{DriftScope::kPosition, DriftFixture::key("A-1", "SKU-A"), 50};
  query.system = "shopify";
  const auto missing = f.finder.find(query, f.settings);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message.find("shopify never reported A-1/SKU-A") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub::investigate
