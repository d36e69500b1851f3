// `recount-agent scan` driven by scripted stdin (plain line mode), checked through
// `recount-agent journal --json`: every workflow of docs/scanning-workflows.md.
#include "agent/cli/scan_command.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using nlohmann::json;

protocol::Catalog floor_catalog(std::uint64_t version) {
  protocol::Catalog catalog;
  catalog.site = "store-1";
  catalog.version = version;
  catalog.items = {
      {"SKU-1", "Widget 250 g", 189, "grocery", {{"05901234123457", 1}, {"15901234123454", 12}}},
      {"SKU-2", "Gasket", 42, "parts", {{"INT-0002", 1}}},
      {"SKU-3", "Oat drink", 99, "grocery", {{"09504000059101", 1}}},
  };
  catalog.locations = {{"A-01", "LOC-A-01", "shelf"}, {"B-02", "LOC-B-02", "bin"}, {"DOCK-1", "LOC-DOCK-1", "dock"}};
  return catalog;
}

class Floor {
 public:
  Floor() {
    auto journal = Journal::open(dir_.path(), std::string("store-1"), std::string("dev-1"));
    REQUIRE(journal.has_value());
    auto store = CatalogStore::open(dir_.path());
    REQUIRE(store.has_value());
    REQUIRE(store->store_catalog(floor_catalog(3)).has_value());
    protocol::TaskList tasks{"store-1", 1, {{"rt-1", "B-02", "SKU-1", "", 1, "alice", "uom_error", 1}}};
    REQUIRE(store->store_tasks(tasks).has_value());
  }

  testing::CommandResult scan(const std::string& script) {
    return testing::run_command({RECOUNT_AGENT_BIN, "scan", "--data", dir_.path().string(), "--repeat-window-ms", "0"},
                                script);
  }

  json events() {
    const auto result = testing::run_command({RECOUNT_AGENT_BIN, "journal", "--data", dir_.path().string(), "--json"});
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
  }

  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
};

std::int64_t total(const json& events, const std::string& type, const std::string& sku) {
  std::int64_t sum = 0;
  for (const auto& event : events) {
    if (event.value("type", "") == type && event.value("sku", "") == sku) sum += event.value("qty", 0);
  }
  return sum;
}

}  // namespace

TEST_CASE("scan counts repeated scans one by one, a case GTIN as 12, and #qty sets the last scan's quantity") {
  Floor floor;
  const auto result =
      floor.scan("#user bob\n#loc LOC-A-01\n5901234123457\n5901234123457\n15901234123454\n#qty 30\nINT-0002\n#close\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  CHECK(result.out.find("running count 14") != std::string::npos);  // 1 + 1 + 12
  CHECK(result.out.find("running count 32") != std::string::npos);  // 1 + 1 + 30
  const auto events = floor.events();
  CHECK(total(events, "count", "SKU-1") == 32);
  CHECK(total(events, "count", "SKU-2") == 1);
  // Every count of the location is in one session, and #close names it.
  const auto session = events[0].value("session", "");
  CHECK(!session.empty());
  for (const auto& event : events) {
    CHECK(event.value("session", "") == session);
    CHECK(event.value("user", "") == "bob");
    CHECK(event.value("location", "") == "A-01");
  }
  CHECK(events.back().value("type", "") == "location_closed");
  // #qty 30 on the case scanned as 12 is one compensating count of +18, not a rewrite.
  CHECK(events[3].value("qty", 0) == 18);
}

TEST_CASE("scan never shows an expected quantity and #undo compensates with a negative count in the session") {
  Floor floor;
  const auto result = floor.scan("#user bob\nLOC-A-01\n15901234123454\n#undo\n5901234123457\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("expected") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("qty", 0) == 12);
  CHECK(events[1].value("qty", 0) == -12);
  CHECK(events[1].value("type", "") == "count");
  CHECK(events[1].value("session", "") == events[0].value("session", ""));
  CHECK(total(events, "count", "SKU-1") == 1);
}

TEST_CASE("scan receives against the reference at the dock, and an undone receipt is an adjustment") {
  Floor floor;
  const auto result = floor.scan(
      "#user rita\n#mode receive\n#loc LOC-DOCK-1\n5901234123457\n#ref PO-77\n"
      "5901234123457\n15901234123454\n#undo\n");
  CHECK(result.out.find("refused: SCAN THE PO/ASN FIRST") != std::string::npos);
  CHECK(result.out.find("ok: dock DOCK-1") != std::string::npos);
  const auto shelf = floor.scan("#user rita\n#mode receive\nLOC-A-01\n");
  CHECK(shelf.out.find("warning: location A-01 is a shelf, not a dock") != std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("type", "") == "receive");
  CHECK(events[0].value("ref", "") == "PO-77");
  CHECK(events[0].value("location", "") == "DOCK-1");
  CHECK(events[1].value("qty", 0) == 12);
  CHECK(events[2].value("type", "") == "adjust");
  CHECK(events[2].value("reason", "") == "receiving_error");
  CHECK(events[2].value("qty", 0) == -12);
}

TEST_CASE("scan puts away from the dock to a bin, and moves between bins with labels") {
  Floor floor;
  const auto result = floor.scan(
      "#user pat\n#mode putaway\nLOC-DOCK-1\nLOC-B-02\n15901234123454\n"
      "#mode move\n#loc LOC-B-02\n#to LOC-A-01\n5901234123457\n#qty 3\n#undo\n");
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("refused") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0].value("type", "") == "putaway");
  CHECK(events[0].value("location", "") == "DOCK-1");
  CHECK(events[0].value("to", "") == "B-02");
  CHECK(events[0].value("qty", 0) == 12);
  CHECK(events[1].value("type", "") == "move");
  CHECK(events[2].value("qty", 0) == 2);         // #qty 3 after 1
  CHECK(events[3].value("type", "") == "move");  // #undo: 3 units go back
  CHECK(events[3].value("location", "") == "A-01");
  CHECK(events[3].value("to", "") == "B-02");
  CHECK(events[3].value("qty", 0) == 3);
}

TEST_CASE("scan adjusts with a reason: damage takes stock away, found adds it") {
  Floor floor;
  const auto result = floor.scan(
      "#user pat\n#mode adjust\n#loc A-01\n5901234123457\n#reason broken\n#reason damage\n"
      "5901234123457\n#qty 4\n#reason found\nINT-0002\n");
  CHECK(result.out.find("refused: SCAN A REASON FIRST") != std::string::npos);
  CHECK(result.out.find("refused: unknown reason 'broken'") != std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].value("reason", "") == "damage");
  CHECK(events[0].value("qty", 0) == -1);
  CHECK(events[1].value("qty", 0) == -3);
  CHECK(total(events, "adjust", "SKU-1") == -4);
  CHECK(events[2].value("reason", "") == "found");
  CHECK(events[2].value("qty", 0) == 1);
}

TEST_CASE(
    "scan keeps an unknown barcode as an unresolved scan, records only its report, and resolve records it later") {
  Floor floor;
  const auto result = floor.scan("#user bob\n#loc LOC-A-01\n7777777\n");
  CHECK(result.out.find("warning: UNKNOWN BARCODE 7777777") != std::string::npos);
  CHECK(result.out.find("| 1 UNKNOWN BARCODE(S) TO MAP") != std::string::npos);  // on the status line
  // No stock event: only the report that tells the hub, under the catalog's key of the code.
  const auto held = floor.events();
  REQUIRE(held.size() == 1);
  CHECK(held[0].value("type", "") == "unknown_barcode");
  CHECK(held[0].value("barcode", "") == "7777777");
  CHECK(held[0].value("location", "") == "A-01");
  CHECK(held[0].value("user", "") == "bob");
  auto listed = testing::run_command({RECOUNT_AGENT_BIN, "unresolved", "--data", floor.path().string(), "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto scan = json::parse(listed.out);
  CHECK(scan.value("barcode", "") == "7777777");
  CHECK(scan.value("location", "") == "A-01");
  CHECK(scan.value("mode", "") == "count");
  {
    auto store = CatalogStore::open(floor.path());
    REQUIRE(store.has_value());
    auto catalog = floor_catalog(4);
    catalog.items[1].barcodes.push_back({"7777777", 1});
    REQUIRE(store->store_catalog(catalog).value());
  }
  auto resolved = testing::run_command({RECOUNT_AGENT_BIN, "resolve", "--data", floor.path().string()});
  CHECK(resolved.exit_code == 0);
  const auto events = floor.events();
  REQUIRE(events.size() == 3);
  CHECK(events[1].value("type", "") == "count");
  CHECK(events[1].value("sku", "") == "SKU-2");
  CHECK(events[1].value("barcode", "") == "7777777");
  CHECK(events[1].value("location", "") == "A-01");
  CHECK(events[2].value("type", "") == "barcode_applied");
  CHECK(events[2].value("sku", "") == "SKU-2");
  CHECK(events[2].value("qty", 0) == 1);
  // Resolved once: a second run finds nothing left to record.
  auto again = testing::run_command({RECOUNT_AGENT_BIN, "resolve", "--data", floor.path().string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("0 of 0 unresolved scans resolved") != std::string::npos);
  CHECK(floor.events().size() == 3);
}

TEST_CASE("scan reads a GS1 element string and keeps lot and expiry on the event") {
  Floor floor;
  const auto result = floor.scan(
      "#user bob\n#loc LOC-A-01\n]C10109504000059101\x1d"
      "10LOT-7\x1d"
      "17271231\n"
      "(01)09504000059101(10)LOT-8\n");
  CHECK(result.out.find("refused") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].value("sku", "") == "SKU-3");
  CHECK(events[0].value("lot", "") == "LOT-7");
  CHECK(events[0].value("expiry", "") == "2027-12-31");
  CHECK(events[1].value("lot", "") == "LOT-8");
}

TEST_CASE("scan starts a blind recount only for a user other than the task's excluded one") {
  Floor floor;
  const auto result = floor.scan(
      "#user alice\n#tasks\n#recount rt-1\n#user carol\n#recount rt-1\n"
      "5901234123457\n#loc LOC-A-01\n#close\n");
  CHECK(result.out.find("rt-1 at B-02 sku SKU-1 (not alice)") != std::string::npos);
  CHECK(result.out.find("refused: task rt-1 must be counted by someone other than alice") != std::string::npos);
  CHECK(result.out.find("refused: recount task rt-1 is at B-02") != std::string::npos);
  CHECK(result.out.find("expected") == std::string::npos);
  const auto events = floor.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].value("type", "") == "count");
  CHECK(events[0].value("task_id", "") == "rt-1");
  CHECK(events[0].value("user", "") == "carol");
  CHECK(events[0].value("location", "") == "B-02");
  CHECK(events[1].value("type", "") == "location_closed");
  CHECK(events[1].value("task_id", "") == "rt-1");
}

TEST_CASE("scan refuses items before a badge and a location, and reports the sync status") {
  Floor floor;
  const auto result = floor.scan("5901234123457\n#user bob\n5901234123457\n#loc NOWHERE\n");
  CHECK(result.out.find("refused: SCAN YOUR BADGE FIRST") != std::string::npos);
  CHECK(result.out.find("refused: SCAN A LOCATION LABEL FIRST") != std::string::npos);
  CHECK(result.out.find("refused: UNKNOWN LOCATION NOWHERE") != std::string::npos);
  CHECK(result.out.find("status: OFFLINE (sync not running) | 0 unsynced | last sync never") != std::string::npos);
  CHECK(floor.events().empty());
}

}  // namespace recount::agent
