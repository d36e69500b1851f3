// Two hubs' memberships on one PostgreSQL ledger: one holds the lease of reconciliation, the
// other takes it once it is released or lapses, and each write tells a hub whether another one
// wrote since it last did, and how far each hub has stored what it received.
#include "hub/cluster/membership.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub::cluster {
namespace {

// A hub's membership and what it was told, on an io_context the test runs.
struct Member {
  Member(boost::asio::io_context& io, Ledger& ledger, const std::string& hub, MembershipOptions options) {
    auto created = Membership::create(io, ledger, hub, system_wall_clock(), options);
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().describe()));
    membership = std::move(*created);
  }
  void start() {
    membership->start(MembershipCallbacks{[this] { ++became_owner; },
                                          [this](const std::string& why) { lost.push_back(why); },
                                          [this](bool owner) { owner_follows += owner ? 1 : 0; }});
  }

  std::unique_ptr<Membership> membership;
  int became_owner = 0;
  std::vector<std::string> lost;
  int owner_follows = 0;
};

struct TwoHubs {
  testing::PostgresLedger backend;
  Ledger first = open();
  Ledger second = open();
  boost::asio::io_context io;

  Ledger open() {
    auto opened = Ledger::connect(backend.server.url());
    REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().describe()));
    return std::move(*opened);
  }
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(10));
      io.restart();
    }
    return done();
  }
  static void write(Ledger& ledger) {
    auto write = ledger.begin_write();
    REQUIRE_MESSAGE(write.has_value(), (write ? "" : write.error().describe()));
    REQUIRE(write->commit().has_value());
  }
};

constexpr MembershipOptions kFast{std::chrono::milliseconds(600), std::chrono::milliseconds(20)};

TEST_CASE("of two hubs the first holds the lease of reconciliation, and the other takes it once released") {
  TwoHubs hubs;
  Member a(hubs.io, hubs.first, "hub-a", kFast);
  Member b(hubs.io, hubs.second, "hub-b", kFast);
  a.start();
  CHECK(a.became_owner == 1);  // the lease was free: taken at once
  CHECK(a.membership->owner());
  b.start();
  CHECK(b.became_owner == 0);
  // Renewed every 200 ms: the lease never lapses while its hub runs.
  REQUIRE(hubs.run_until([&] { return a.owner_follows >= 50; }));  // ~1 s, past its 600 ms
  CHECK(b.became_owner == 0);
  CHECK(a.lost.empty());
  CHECK(b.owner_follows == 0);  // follows, but not as the owner

  a.membership->stop();  // an orderly stop releases it
  CHECK_FALSE(a.membership->owner());
  CHECK(hubs.run_until([&] { return b.became_owner == 1; }, std::chrono::seconds(2)));
  CHECK(b.membership->owner());
  CHECK(b.lost.empty());
}

TEST_CASE("a hub whose lease lapsed while another hub took it is told it lost it") {
  TwoHubs hubs;
  Member a(hubs.io, hubs.first, "hub-a", kFast);
  a.start();
  REQUIRE(a.membership->owner());
  // Another hub takes the lease once it lapses: hub-a's thread does not run meanwhile, as if it
  // had stalled.
  auto leases = SiteLeases::prepare(hubs.second.database());
  REQUIRE(leases.has_value());
  const auto later = system_wall_clock()() + kFast.lease_ttl.count() + 1;
  auto taken = leases->acquire_or_renew(std::string(kReconciliationLease), "hub-b", later, 60'000);
  REQUIRE(taken.has_value());
  REQUIRE(taken->held_by("hub-b", later));
  CHECK(hubs.run_until([&] { return !a.lost.empty(); }));
  CHECK_FALSE(a.membership->owner());
  CHECK(a.lost.at(0) == "hub hub-b holds it");
}

TEST_CASE("a write tells a hub whether another hub wrote the ledger since its own last write") {
  TwoHubs hubs;
  Member a(hubs.io, hubs.first, "hub-a", kFast);
  Member b(hubs.io, hubs.second, "hub-b", kFast);
  storage::Connection& first = hubs.first.database();
  const auto before = first.written_elsewhere();
  TwoHubs::write(hubs.first);
  TwoHubs::write(hubs.first);
  // The first write found no hub's name, not its own (nobody wrote since the table was made, but
  // a hub cannot tell), the second its own.
  const auto after_own = first.written_elsewhere();
  CHECK(after_own == before + 1);
  TwoHubs::write(hubs.first);
  CHECK(first.written_elsewhere() == after_own);
  TwoHubs::write(hubs.second);
  CHECK(hubs.second.database().written_elsewhere() == 1);  // hub-a wrote last
  TwoHubs::write(hubs.first);
  CHECK(first.written_elsewhere() == after_own + 1);
  TwoHubs::write(hubs.first);
  CHECK(first.written_elsewhere() == after_own + 1);
}

TEST_CASE("each hub records the oldest message it holds unstored, and sees the oldest of the other live hubs'") {
  TwoHubs hubs;
  boost::asio::io_context third_io;
  Ledger third = hubs.open();
  Member a(hubs.io, hubs.first, "hub-a", kFast);
  Member b(hubs.io, hubs.second, "hub-b", kFast);
  Member c(third_io, third, "hub-c", kFast);
  const auto record = [](Ledger& ledger, Member& member, std::optional<std::int64_t> oldest, std::int64_t now_ms) {
    auto write = ledger.begin_write();
    REQUIRE(write.has_value());
    REQUIRE(member.membership->record(oldest, now_ms).has_value());
    REQUIRE(write->commit().has_value());
  };
  const auto others_of = [](Member& member, std::int64_t now_ms) {
    auto oldest = member.membership->others_oldest_waiting(now_ms);
    REQUIRE_MESSAGE(oldest.has_value(), (oldest ? "" : oldest.error().describe()));
    return *oldest;
  };
  const std::int64_t now = 1'000'000;
  CHECK(others_of(a, now) == std::nullopt);  // nobody recorded anything yet
  record(hubs.first, a, 900'000, now);
  record(hubs.second, b, 950'000, now);
  record(third, c, std::nullopt, now);
  CHECK(others_of(a, now) == 950'000);  // its own row does not count
  CHECK(others_of(b, now) == 900'000);
  CHECK(others_of(c, now) == 900'000);            // the oldest of both
  record(hubs.first, a, std::nullopt, now + 10);  // hub-a stored what it held
  CHECK(others_of(c, now + 10) == 950'000);
  CHECK(others_of(b, now + 10) == std::nullopt);
  // hub-b recorded last at `now`: once a lease's time has passed since, it is taken for dead (its
  // devices resend what it held to the others) and no longer waited for.
  CHECK(others_of(c, now + kFast.lease_ttl.count() - 1) == 950'000);
  CHECK(others_of(c, now + kFast.lease_ttl.count()) == std::nullopt);
}

}  // namespace
}  // namespace recount::hub::cluster
