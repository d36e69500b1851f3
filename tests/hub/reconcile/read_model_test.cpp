// ReadModel: positions filtered and paged, a position's balance as of a time and its history in
// event time, over projections the write side filled.
#include "hub/reconcile/read_model.hpp"

#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <vector>

#include "hub/reconcile/projections.hpp"
#include "tests/hub/reconcile/fixtures.hpp"

namespace recount::hub::reconcile {
namespace {

using testing::must;
using testing::stamp_at;

const Timing kTiming{testing::kNowMs, testing::kNowMs, 60'000};

template <typename Backend>
struct ReadModelFixture {
  Backend backend;
  storage::Connection& database = testing::migrated(backend.connection());
  Projections projections = must(Projections::prepare(database));
  ReadModel read_model = must(ReadModel::prepare(database));
  testing::EventMaker make;

  void apply(const Event& event) { must(projections.apply(std::string(testing::kSite), "hh-1", event, kTiming)); }
  static PositionKey key(const std::string& location, const std::string& sku = "SKU-A") {
    return PositionKey{std::string(testing::kSite), location, sku, ""};
  }
};

TEST_CASE_TEMPLATE("reconcile read model: positions are listed by id, filtered by SKU and paged after an id", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  ReadModelFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.receive("A-1", "SKU-A", 10, 10));
  fixture.apply(m.receive("A-2", "SKU-B", 4, 11));
  fixture.apply(m.receive("A-2", "SKU-A", 2, 12));
  const auto all = must(fixture.read_model.positions(PositionQuery{}));
  REQUIRE(all.size() == 3);
  CHECK(all[0].key == ReadModelFixture<Backend>::key("A-1"));
  CHECK(all[0].on_hand == 10);
  CHECK(all[1].key == ReadModelFixture<Backend>::key("A-2", "SKU-B"));
  const auto sku_a = must(fixture.read_model.positions(PositionQuery{"", "SKU-A", 0, 1000}));
  REQUIRE(sku_a.size() == 2);
  CHECK(sku_a[1].key == ReadModelFixture<Backend>::key("A-2"));
  const auto page = must(fixture.read_model.positions(PositionQuery{"", "", all[0].id, 1}));
  REQUIRE(page.size() == 1);
  CHECK(page[0].id == all[1].id);
  CHECK(must(fixture.read_model.positions(PositionQuery{"s9", "", 0, 1000})).empty());
}

TEST_CASE_TEMPLATE(
    "reconcile read model: the balance as of a time includes movements at that stamp, none for an unknown position",
    Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReadModelFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.receive("A-1", "SKU-A", 10, 10));
  fixture.apply(m.sale("A-1", "SKU-A", 3, 20));
  const auto at = [&](double seconds) {
    return must(fixture.read_model.expected(ReadModelFixture<Backend>::key("A-1"), HlcStamp{stamp_at(seconds)}));
  };
  CHECK(at(5) == std::optional<std::int64_t>(0));
  CHECK(at(10) == std::optional<std::int64_t>(10));
  CHECK(at(20) == std::optional<std::int64_t>(7));
  CHECK_FALSE(must(fixture.read_model.expected(ReadModelFixture<Backend>::key("Z-9"), HlcStamp{})).has_value());
}

TEST_CASE_TEMPLATE("reconcile read model: history merges movements, counts and zeros by stamp with the running balance",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReadModelFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.count("A-1", "SKU-A", 9, 30, "u1", "cs-1"));
  fixture.apply(m.receive("A-1", "SKU-A", 10, 10));
  fixture.apply(m.sale("A-1", "SKU-A", 1, 30));  // the same stamp as the count: listed before it
  fixture.apply(m.close("A-1", 40, "u2", "cs-2"));
  const auto history = must(fixture.read_model.history(ReadModelFixture<Backend>::key("A-1")));
  using Line = std::tuple<std::string, std::int64_t, std::int64_t>;  // type, qty, balance
  std::vector<Line> lines;
  lines.reserve(history.size());
  for (const auto& entry : history) lines.emplace_back(entry.type, entry.qty, entry.balance);
  CHECK(lines == std::vector<Line>{Line{"receive", 10, 10}, Line{"sale", 1, 9}, Line{"count", 9, 9},
                                   Line{"location_closed", 0, 9}});
  CHECK(history[2].session == "cs-1");
  CHECK(history[3].session == "cs-2");
  CHECK(history[3].group_id.has_value());
  CHECK(must(fixture.read_model.history(ReadModelFixture<Backend>::key("Z-9"))).empty());
}

TEST_CASE_TEMPLATE("reconcile read model: a position's count groups come by time, none for an unknown position",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  ReadModelFixture<Backend> fixture;
  auto& m = fixture.make;
  fixture.apply(m.count("A-1", "SKU-A", 4, 20, "u1", "cs-2"));
  fixture.apply(m.count("A-1", "SKU-A", 3, 10, "u1", "cs-1"));
  const auto counts = must(fixture.read_model.counts(ReadModelFixture<Backend>::key("A-1")));
  REQUIRE(counts.size() == 2);
  CHECK(counts[0].session_key == "session:cs-1");
  CHECK(counts[1].session_key == "session:cs-2");
  CHECK(must(fixture.read_model.groups_at(counts[0].position_id)).size() == 2);
  CHECK(must(fixture.read_model.counts(ReadModelFixture<Backend>::key("Z-9"))).empty());
}

}  // namespace
}  // namespace recount::hub::reconcile
