// `#user` in the scan session against a real journal and catalog cache: a site without users
// takes any name; once the site has users only their badges, with their PINs.
#include "agent/workflow/scan_session.hpp"

#include <doctest/doctest.h>

#include "shared/crypto/pin_hash.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

protocol::Catalog site_catalog(std::vector<protocol::CatalogUser> users) {
  protocol::Catalog catalog;
  catalog.site = "store-1";
  catalog.version = 1;
  catalog.items = {{"SKU-1", "Widget", 189, "grocery", {{"INT-0001", 1}}}};
  catalog.locations = {{"A-01", "LOC-A-01", "shelf"}, {"B-02", "LOC-B-02", "bin"}};
  catalog.users = std::move(users);
  return catalog;
}

std::vector<protocol::CatalogUser> floor_users() {
  return {{"B-0193", "Ann Lee", "counter", crypto::hash_pin("4711")}, {"B-0200", "Jo Park", "counter-lead", ""}};
}

// A session on a fresh journal whose catalog holds `users`, with a clock the test moves.
struct Floor {
  explicit Floor(std::vector<protocol::CatalogUser> users) {
    REQUIRE(store.store_catalog(site_catalog(std::move(users))).value());
    protocol::TaskList tasks{"store-1", 1, {{"rt-1", "B-02", "SKU-1", "", 1, "B-0193", "", 1}}};
    REQUIRE(store.store_tasks(tasks).has_value());
  }

  ScanSessionOptions options() {
    ScanSessionOptions result;
    result.repeat_window = std::chrono::milliseconds(0);
    result.clock = [this] { return now; };
    return result;
  }

  // The users of the events in the journal, in order.
  std::vector<std::string> event_users() {
    std::vector<std::string> users;
    for (const auto& event : journal.pending_from(1, 100).value()) users.push_back(event.user);
    return users;
  }

  testing::TempDir dir;
  Journal journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")).value();
  CatalogStore store = CatalogStore::open(dir.path()).value();
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  ScanSession session{journal, store, options()};
};

}  // namespace

TEST_CASE("a site without users takes any #user name, as before users existed") {
  Floor floor({});
  const auto feedback = floor.session.handle("#user whoever you are");
  CHECK(feedback.outcome == Outcome::kDone);
  CHECK(floor.session.view().user == "whoever you are");
  floor.session.handle("#loc LOC-A-01");
  CHECK(floor.session.handle("INT-0001").outcome == Outcome::kDone);
  CHECK(floor.event_users() == std::vector<std::string>{"whoever you are"});
}

TEST_CASE("once the site has users an unknown badge is refused and nobody is signed in") {
  Floor floor(floor_users());
  const auto feedback = floor.session.handle("#user bob");
  CHECK(feedback.outcome == Outcome::kRefused);
  CHECK(feedback.message.find("UNKNOWN BADGE bob") != std::string::npos);
  CHECK(floor.session.view().user.empty());
  floor.session.handle("#loc LOC-A-01");
  CHECK(floor.session.handle("INT-0001").outcome == Outcome::kRefused);  // no badge, no count
  CHECK(floor.event_users().empty());
}

TEST_CASE("a badge without a PIN signs in at once and its badge is the events' user") {
  Floor floor(floor_users());
  const auto feedback = floor.session.handle("#user B-0200");
  CHECK(feedback.outcome == Outcome::kDone);
  CHECK(feedback.message == "user B-0200 (Jo Park)");
  CHECK(floor.session.view().user == "B-0200");
  CHECK(floor.session.view().user_name == "Jo Park");
  floor.session.handle("#loc LOC-A-01");
  floor.session.handle("INT-0001");
  CHECK(floor.event_users() == std::vector<std::string>{"B-0200"});
}

TEST_CASE("a badge with a PIN asks for it on the next line and takes the right one") {
  Floor floor(floor_users());
  auto feedback = floor.session.handle("#user B-0193");
  CHECK(feedback.message == "ENTER THE PIN FOR B-0193");
  CHECK(floor.session.view().pin_badge == "B-0193");
  CHECK(floor.session.view().prompt == "ENTER THE PIN FOR B-0193");
  CHECK(floor.session.view().user.empty());
  feedback = floor.session.handle("4711\r\n");
  CHECK(feedback.outcome == Outcome::kDone);
  CHECK(feedback.message.find("4711") == std::string::npos);
  CHECK(floor.session.view().user == "B-0193");
  CHECK(floor.session.view().pin_badge.empty());
  floor.session.handle("#loc LOC-A-01");
  floor.session.handle("INT-0001");
  CHECK(floor.event_users() == std::vector<std::string>{"B-0193"});
}

TEST_CASE("#user BADGE PIN signs in on one line; a wrong PIN is refused and signs nobody in") {
  Floor floor(floor_users());
  CHECK(floor.session.handle("#user B-0193 4711").outcome == Outcome::kDone);
  CHECK(floor.session.view().user == "B-0193");
  const auto wrong = floor.session.handle("#user B-0193 1234");
  CHECK(wrong.outcome == Outcome::kRefused);
  CHECK(wrong.message == "WRONG PIN FOR B-0193: 2 TRIES LEFT");
  CHECK(floor.session.view().user.empty());  // the badge changes hands only with its PIN
  CHECK(floor.session.handle("#user B-0200 1234").message.find("has no PIN") != std::string::npos);
}

TEST_CASE("a wrong PIN keeps asking; too many in a row pause #user, then the badge works again") {
  Floor floor(floor_users());
  floor.session.handle("#user B-0193");
  CHECK(floor.session.handle("0000").message == "WRONG PIN FOR B-0193: 2 TRIES LEFT");
  CHECK(floor.session.view().pin_badge == "B-0193");
  CHECK(floor.session.handle("1111").message == "WRONG PIN FOR B-0193: 1 TRY LEFT");
  const auto third = floor.session.handle("2222");
  CHECK(third.outcome == Outcome::kRefused);
  CHECK(third.message.find("TOO MANY TRIES") != std::string::npos);
  CHECK(floor.session.view().pin_badge.empty());
  // Paused: even the right PIN is not tried, for any badge.
  CHECK(floor.session.handle("#user B-0193 4711").message.find("WAIT 30 S") != std::string::npos);
  CHECK(floor.session.handle("#user B-0200").outcome == Outcome::kRefused);
  floor.now += std::chrono::seconds(29);
  CHECK(floor.session.handle("#user B-0193 4711").message.find("WAIT 1 S") != std::string::npos);
  floor.now += std::chrono::seconds(1);
  CHECK(floor.session.handle("#user B-0193 4711").outcome == Outcome::kDone);
  CHECK(floor.session.view().user == "B-0193");
}

TEST_CASE("a command while a PIN is awaited gives up that sign-in; the PIN line is never taken as a scan") {
  Floor floor(floor_users());
  floor.session.handle("#user B-0193");
  CHECK(floor.session.handle("#loc LOC-A-01").outcome == Outcome::kDone);
  CHECK(floor.session.view().pin_badge.empty());
  CHECK(floor.session.view().user.empty());
  floor.session.handle("#user B-0193");
  CHECK(floor.session.handle("INT-0001").message.find("WRONG PIN") != std::string::npos);
  CHECK(floor.event_users().empty());
}

TEST_CASE("a recount task excluding a badge is refused to that badge and taken by another person") {
  Floor floor(floor_users());
  floor.session.handle("#user B-0193 4711");
  CHECK(floor.session.handle("#recount rt-1").outcome == Outcome::kRefused);
  floor.session.handle("#user B-0200");
  CHECK(floor.session.handle("#recount rt-1").outcome == Outcome::kDone);
}

}  // namespace recount::agent
