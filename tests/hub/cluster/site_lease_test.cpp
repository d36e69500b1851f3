// Site leases on both engines: one holder at a time, taken over only after expiry or release,
// the fencing token raised on every new term, and two hubs racing for a site.
#include "hub/cluster/site_lease.hpp"

#include <doctest/doctest.h>

#include <barrier>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/storage_backends.hpp"

namespace recount::hub::cluster {
namespace {

using testing::kFixedNowMs;

constexpr std::int64_t kTtlMs = 10'000;

template <typename Backend>
struct LeasesOn : Backend {
  SiteLeases leases = prepare(Backend::connection());

  static SiteLeases prepare(storage::Connection& database) {
    const storage::SchemaComponent components[] = {cluster_schema()};
    auto migrated = storage::migrate(database, components);
    REQUIRE_MESSAGE(migrated.has_value(), (migrated ? "" : migrated.error().describe()));
    auto prepared = SiteLeases::prepare(database);
    REQUIRE_MESSAGE(prepared.has_value(), (prepared ? "" : prepared.error().describe()));
    return std::move(*prepared);
  }

  Lease acquire(const std::string& site, const std::string& owner, std::int64_t now_ms) {
    auto lease = leases.acquire_or_renew(site, owner, now_ms, kTtlMs);
    REQUIRE_MESSAGE(lease.has_value(), (lease ? "" : lease.error().describe()));
    return *lease;
  }
};

// A second connection to the backend's database, as another hub has.
storage::Database another_connection(testing::SqliteBackend& backend) {
  auto opened =
      storage::Database::open(backend.dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE(opened.has_value());
  return std::move(*opened);
}
storage::PostgresConnection another_connection(testing::PostgresBackend& backend) {
  auto opened = storage::PostgresConnection::open(backend.server.url());
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

TEST_CASE_TEMPLATE("a free site's lease goes to the first hub, and another hub is refused until it expires", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  LeasesOn<Backend> fixture;
  const Lease first = fixture.acquire("site-1", "hub-a", kFixedNowMs);
  CHECK(first.held_by("hub-a", kFixedNowMs));
  CHECK(first.site == "site-1");
  CHECK(first.token == 1);
  CHECK(first.expires_ms == kFixedNowMs + kTtlMs);

  // Refused a millisecond before the expiry: the lease names its holder.
  const Lease refused = fixture.acquire("site-1", "hub-b", kFixedNowMs + kTtlMs - 1);
  CHECK_FALSE(refused.held_by("hub-b", kFixedNowMs + kTtlMs - 1));
  CHECK(refused.owner == "hub-a");
  CHECK(refused.token == 1);
  CHECK(refused.expires_ms == kFixedNowMs + kTtlMs);

  // Taken over at the expiry, in a new term.
  const Lease taken = fixture.acquire("site-1", "hub-b", kFixedNowMs + kTtlMs);
  CHECK(taken.held_by("hub-b", kFixedNowMs + kTtlMs));
  CHECK(taken.token == 2);
  CHECK(taken.expires_ms == kFixedNowMs + 2 * kTtlMs);
}

TEST_CASE_TEMPLATE("renewing a lease moves its expiry and keeps its token, and a renewal by another hub is refused",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  LeasesOn<Backend> fixture;
  fixture.acquire("site-1", "hub-a", kFixedNowMs);
  const Lease renewed = fixture.acquire("site-1", "hub-a", kFixedNowMs + 5'000);
  CHECK(renewed.held_by("hub-a", kFixedNowMs + 5'000));
  CHECK(renewed.token == 1);
  CHECK(renewed.expires_ms == kFixedNowMs + 5'000 + kTtlMs);

  const Lease refused = fixture.acquire("site-1", "hub-b", kFixedNowMs + kTtlMs);  // within the renewed term
  CHECK(refused.owner == "hub-a");
  CHECK(refused.expires_ms == kFixedNowMs + 5'000 + kTtlMs);

  // The holder taking it again after it lapsed starts a new term: it may have lost it meanwhile.
  const Lease lapsed = fixture.acquire("site-1", "hub-a", kFixedNowMs + 5'000 + kTtlMs);
  CHECK(lapsed.held_by("hub-a", kFixedNowMs + 5'000 + kTtlMs));
  CHECK(lapsed.token == 2);
}

TEST_CASE_TEMPLATE("a released lease is free at once, in a new term, and only its holder can release it", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  LeasesOn<Backend> fixture;
  fixture.acquire("site-1", "hub-a", kFixedNowMs);
  REQUIRE(fixture.leases.release("site-1", "hub-b").has_value());  // not its holder: nothing happens
  CHECK(fixture.acquire("site-1", "hub-b", kFixedNowMs + 1).owner == "hub-a");

  REQUIRE(fixture.leases.release("site-1", "hub-a").has_value());
  const Lease taken = fixture.acquire("site-1", "hub-b", kFixedNowMs + 2);
  CHECK(taken.held_by("hub-b", kFixedNowMs + 2));
  CHECK(taken.token == 2);
}

TEST_CASE_TEMPLATE("a hub lists the leases it holds, and its fence fails once its term is over", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  LeasesOn<Backend> fixture;
  const Lease one = fixture.acquire("site-1", "hub-a", kFixedNowMs);
  fixture.acquire("site-2", "hub-a", kFixedNowMs + 5'000);
  fixture.acquire("site-3", "hub-b", kFixedNowMs);

  auto owned = fixture.leases.owned_by("hub-a", kFixedNowMs + 5'000);
  REQUIRE(owned.has_value());
  REQUIRE(owned->size() == 2);
  CHECK(owned->at(0).site == "site-1");
  CHECK(owned->at(1).site == "site-2");
  owned = fixture.leases.owned_by("hub-a", kFixedNowMs + kTtlMs);  // site-1 has expired
  REQUIRE(owned->size() == 1);
  CHECK(owned->at(0).site == "site-2");

  CHECK(*fixture.leases.holds("site-1", "hub-a", one.token, kFixedNowMs + 1));
  CHECK_FALSE(*fixture.leases.holds("site-1", "hub-b", one.token, kFixedNowMs + 1));
  const Lease taken = fixture.acquire("site-1", "hub-b", kFixedNowMs + kTtlMs);
  CHECK_FALSE(*fixture.leases.holds("site-1", "hub-a", one.token, kFixedNowMs + kTtlMs));
  CHECK(*fixture.leases.holds("site-1", "hub-b", taken.token, kFixedNowMs + kTtlMs));
  // Taken back by hub-a later: its old token does not pass the fence of the new term.
  const Lease back = fixture.acquire("site-1", "hub-a", kFixedNowMs + 2 * kTtlMs);
  CHECK(back.token == 3);
  CHECK_FALSE(*fixture.leases.holds("site-1", "hub-a", one.token, kFixedNowMs + 2 * kTtlMs));
}

TEST_CASE_TEMPLATE("two hubs racing for an expired lease: exactly one takes it in each round, in a new term", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  LeasesOn<Backend> fixture;
  auto other_connection = another_connection(fixture);
  SiteLeases other = LeasesOn<Backend>::prepare(other_connection);
  // Each round starts after the last one's lease expired; both hubs ask at the same moment.
  constexpr int kRounds = 100;
  std::vector<Result<Lease>> got_a;
  std::vector<Result<Lease>> got_b;
  std::barrier start(2);
  auto race = [&](SiteLeases& leases, const std::string& owner, std::vector<Result<Lease>>& got) {
    for (int round = 0; round < kRounds; ++round) {
      start.arrive_and_wait();
      got.push_back(leases.acquire_or_renew("site-1", owner, kFixedNowMs + round * kTtlMs, kTtlMs / 2));
    }
  };
  std::thread hub_b([&] { race(other, "hub-b", got_b); });
  race(fixture.leases, "hub-a", got_a);
  hub_b.join();

  int won_a = 0;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    REQUIRE_MESSAGE(got_a[round].has_value(), (got_a[round] ? "" : got_a[round].error().describe()));
    REQUIRE_MESSAGE(got_b[round].has_value(), (got_b[round] ? "" : got_b[round].error().describe()));
    const std::int64_t now = kFixedNowMs + round * kTtlMs;
    CHECK(got_a[round]->held_by("hub-a", now) != got_b[round]->held_by("hub-b", now));
    CHECK(got_a[round]->owner == got_b[round]->owner);  // the loser is told who won
    CHECK(got_a[round]->token == round + 1);            // one new term per round
    CHECK(got_b[round]->token == round + 1);
    if (got_a[round]->held_by("hub-a", now)) ++won_a;
  }
  MESSAGE("hub-a won " << won_a << " of " << kRounds << " rounds");
}

}  // namespace
}  // namespace recount::hub::cluster
