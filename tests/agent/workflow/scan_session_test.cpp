// The scan session against a real journal and catalog cache: `#user` (a site without users takes
// any name; once the site has users only their badges, with their PINs) and what scans record in
// each mode. tests/agent/cli/scan_command_test.cpp drives the same workflows through the executable.
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
  catalog.items = {{"SKU-1", "Widget", 189, "grocery", {{"INT-0001", 1}, {"INT-0012", 12}}}};
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
    REQUIRE(journal.record_all({}, [&](storage::Database& database, const std::vector<Event>& acks) {
      return CatalogStore::store_tasks(database, tasks, acks);
    }));
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

  // Every event in the journal, in order.
  std::vector<Event> events() { return journal.pending_from(1, 100).value(); }

  // Feeds the lines to the session; every one must be taken.
  void handle_all(std::initializer_list<std::string> lines) {
    for (const auto& line : lines) {
      const auto feedback = session.handle(line);
      REQUIRE_MESSAGE(feedback.outcome != Outcome::kRefused, (line + ": " + feedback.message));
    }
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

TEST_CASE("#user BADGE PIN signs in on one line, a wrong PIN is refused and signs nobody in") {
  Floor floor(floor_users());
  CHECK(floor.session.handle("#user B-0193 4711").outcome == Outcome::kDone);
  CHECK(floor.session.view().user == "B-0193");
  const auto wrong = floor.session.handle("#user B-0193 1234");
  CHECK(wrong.outcome == Outcome::kRefused);
  CHECK(wrong.message == "WRONG PIN FOR B-0193: 2 TRIES LEFT");
  CHECK(floor.session.view().user.empty());  // the badge changes hands only with its PIN
  CHECK(floor.session.handle("#user B-0200 1234").message.find("has no PIN") != std::string::npos);
}

TEST_CASE("a wrong PIN keeps asking, too many in a row pause #user, then the badge works again") {
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

TEST_CASE("a command while a PIN is awaited gives up that sign-in, the PIN line is never taken as a scan") {
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

TEST_CASE("a counted item records a count in the location's session, a pack barcode its whole pack") {
  Floor floor({});
  floor.handle_all({"#user pat", "LOC-A-01", "INT-0001", "INT-0012"});
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == EventType::kCount);
  CHECK(events[0].location == "A-01");
  CHECK(events[0].qty == 1);
  CHECK(events[1].qty == 12);
  CHECK_FALSE(events[0].session.empty());
  CHECK(events[1].session == events[0].session);
  REQUIRE(floor.session.view().last_item.has_value());
  CHECK(floor.session.view().last_item->running == 13);
}

TEST_CASE("an adjustment for damage takes a pack away and one for found adds it, and #qty keeps the direction") {
  Floor floor({});
  floor.handle_all(
      {"#user pat", "#mode adjust", "LOC-A-01", "#reason damage", "INT-0012", "#qty 2", "#reason found", "INT-0001"});
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == EventType::kAdjust);
  CHECK(events[0].reason == ReasonCode::kDamage);
  CHECK(events[0].qty == -12);
  CHECK(events[1].qty == 10);  // from -12 to -2
  CHECK(events[2].reason == ReasonCode::kFound);
  CHECK(events[2].qty == 1);
}

TEST_CASE("an undone receipt leaves as a receiving-error adjustment and an undone move goes back") {
  Floor floor({});
  floor.handle_all({"#user pat", "#mode receive", "LOC-A-01", "#ref PO-7", "INT-0001", "#undo"});
  floor.handle_all({"#mode move", "LOC-A-01", "LOC-B-02", "INT-0001", "#undo"});
  const auto events = floor.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].type == EventType::kReceive);
  CHECK(events[0].reference == "PO-7");
  CHECK(events[1].type == EventType::kAdjust);
  CHECK(events[1].reason == ReasonCode::kReceivingError);
  CHECK(events[1].qty == -1);
  CHECK(events[2].type == EventType::kMove);
  CHECK(events[2].location == "A-01");
  CHECK(events[2].to_location == "B-02");
  CHECK(events[3].type == EventType::kMove);
  CHECK(events[3].location == "B-02");
  CHECK(events[3].to_location == "A-01");
  CHECK(events[3].qty == 1);
}

TEST_CASE("a register sells, takes a return and writes off damage, an undone sale puts the units back") {
  Floor floor({});
  floor.handle_all({"#user pat", "#mode sale", "LOC-A-01", "INT-0012", "INT-0001", "#undo", "#mode return", "LOC-A-01",
                    "INT-0001", "#mode damage", "LOC-A-01", "INT-0001", "#qty 2"});
  const auto events = floor.events();
  REQUIRE(events.size() == 6);
  CHECK(events[0].type == EventType::kSale);
  CHECK(events[0].qty == 12);
  CHECK(events[0].location == "A-01");
  CHECK(events[1].type == EventType::kSale);
  CHECK(events[2].type == EventType::kAdjust);  // the sale taken back
  CHECK(events[2].reason == ReasonCode::kDataEntryError);
  CHECK(events[2].qty == 1);
  CHECK(events[3].type == EventType::kAdjust);
  CHECK(events[3].reason == ReasonCode::kReturn);
  CHECK(events[3].qty == 1);
  CHECK(events[4].type == EventType::kAdjust);
  CHECK(events[4].reason == ReasonCode::kDamage);
  CHECK(events[4].qty == -1);
  CHECK(events[5].qty == -1);  // #qty 2: two damaged in all, the same direction
}

TEST_CASE("a session can start in a register's mode, and #mode lists every mode when one is unknown") {
  Floor floor({});
  auto options = floor.options();
  options.mode = WorkMode::kSale;
  ScanSession register_session(floor.journal, floor.store, options);
  CHECK(register_session.view().mode == WorkMode::kSale);
  const auto unknown = register_session.handle("#mode refund");
  CHECK(unknown.outcome == Outcome::kRefused);
  CHECK(unknown.message.find("sale, return, damage") != std::string::npos);
}

TEST_CASE(
    "an unknown barcode records no stock event and is kept, reported, with the mode and context it was scanned in") {
  Floor floor({});
  floor.handle_all({"#user pat", "#mode putaway", "LOC-A-01", "LOC-B-02"});
  const auto feedback = floor.session.handle("7777777");
  CHECK(feedback.outcome == Outcome::kWarning);
  CHECK(feedback.message.find("UNKNOWN BARCODE 7777777") != std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == EventType::kUnknownBarcode);
  CHECK(events[0].barcode == "7777777");
  CHECK(events[0].to_location == "B-02");
  const auto kept = floor.store.unresolved(CatalogStore::Listing::kWaiting).value();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].reported_seq == events[0].seq);
  CHECK(kept[0].mode == "putaway");
  CHECK(kept[0].location == "A-01");
  CHECK(kept[0].to_location == "B-02");
  CHECK(kept[0].user == "pat");
}

}  // namespace recount::agent
