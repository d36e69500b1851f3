// Held scans against a real journal and catalog cache: held with their report in one commit,
// reported once when an older agent held them, and applied exactly once once the catalog knows
// them, even by two processes at once.
#include "agent/workflow/held_scans.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

protocol::Catalog catalog_knowing(std::uint64_t version, std::vector<protocol::CatalogBarcode> codes) {
  protocol::Catalog catalog;
  catalog.site = "store-1";
  catalog.version = version;
  catalog.items = {{"SKU-1", "Widget", 189, "grocery", std::move(codes)}};
  catalog.locations = {{"A-01", "LOC-A-01", "shelf"}};
  return catalog;
}

UnresolvedScan scan_of(const std::string& barcode, const std::string& mode = "count") {
  UnresolvedScan scan;
  scan.wall_ms = 1'800'000'000'000;
  scan.barcode = barcode;
  scan.mode = mode;
  scan.user = "bob";
  scan.location = "A-01";
  scan.session = "cs-1";
  return scan;
}

struct Device {
  testing::TempDir dir;
  Journal journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")).value();
  CatalogStore store = CatalogStore::open(dir.path()).value();

  Device() { REQUIRE(store.store_catalog(catalog_knowing(1, {{"INT-0001", 1}})).value()); }

  std::vector<Event> events() { return journal.pending_from(1, 1000).value(); }
  std::size_t count_of(EventType type) {
    std::size_t count = 0;
    for (const auto& event : events()) count += event.type == type ? 1 : 0;
    return count;
  }
};

}  // namespace

TEST_CASE("a held scan's key is the code the catalog is searched by") {
  CHECK(held_scan_key("7777777") == "7777777");
  CHECK(held_scan_key("012345678905") == "00012345678905");                 // UPC-A as GTIN-14
  CHECK(held_scan_key("(01)09504000059101(10)LOT-8") == "09504000059101");  // GS1: its GTIN
}

TEST_CASE("holding a scan records its unknown_barcode report with its context in the same commit") {
  Device device;
  auto scan = scan_of("(01)09504000059101(10)LOT-8");
  scan.lot = "LOT-8";
  const auto id = hold_scan(device.journal, scan).value();
  const auto events = device.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == EventType::kUnknownBarcode);
  CHECK(events[0].barcode == "09504000059101");
  CHECK(events[0].qty == 1);
  CHECK(events[0].user == "bob");
  CHECK(events[0].location == "A-01");
  CHECK(events[0].lot == "LOT-8");
  CHECK(events[0].sku.empty());
  const auto kept = device.store.unresolved(CatalogStore::Listing::kAll).value();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].id == id);
  CHECK(kept[0].reported_seq == events[0].seq);
  CHECK(kept[0].barcode == "(01)09504000059101(10)LOT-8");  // kept as scanned
  CHECK(device.store.unresolved(CatalogStore::Listing::kUnreported).value().empty());
}

TEST_CASE("scans an older agent held without a report are reported once") {
  Device device;
  REQUIRE(device.store.add_unresolved(scan_of("7777777")).has_value());
  REQUIRE(device.store.add_unresolved(scan_of("8888888")).has_value());
  CHECK(report_held_scans(device.journal, device.store).value() == 2);
  CHECK(report_held_scans(device.journal, device.store).value() == 0);
  CHECK(device.count_of(EventType::kUnknownBarcode) == 2);
  for (const auto& scan : device.store.unresolved(CatalogStore::Listing::kAll).value()) CHECK(scan.reported_seq > 0);
}

TEST_CASE("held scans are applied once the catalog knows them, with their context, and told to the hub") {
  Device device;
  REQUIRE(hold_scan(device.journal, scan_of("7777777")).has_value());
  REQUIRE(hold_scan(device.journal, scan_of("8888888")).has_value());
  auto nothing = apply_held_scans(device.journal, device.store).value();
  CHECK(nothing.applied.empty());
  CHECK(nothing.waiting == 2);

  REQUIRE(device.store.store_catalog(catalog_knowing(2, {{"INT-0001", 1}, {"7777777", 6}})).value());
  const auto run = apply_held_scans(device.journal, device.store).value();
  REQUIRE(run.applied.size() == 1);
  CHECK(run.applied[0].sku == "SKU-1");
  const auto events = device.events();
  REQUIRE(events.size() == 4);
  CHECK(events[2].type == EventType::kCount);
  CHECK(events[2].seq == run.applied[0].seq);
  CHECK(events[2].sku == "SKU-1");
  CHECK(events[2].qty == 6);  // one scan of a pack of 6
  CHECK(events[2].user == "bob");
  CHECK(events[2].session == "cs-1");
  CHECK(events[3].type == EventType::kBarcodeApplied);
  CHECK(events[3].barcode == "7777777");
  CHECK(events[3].sku == "SKU-1");
  CHECK(events[3].qty == 1);
  const auto waiting = device.store.unresolved(CatalogStore::Listing::kWaiting).value();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].barcode == "8888888");
  CHECK(apply_held_scans(device.journal, device.store).value().applied.empty());
}

TEST_CASE("a held scan never reported is reported in the commit that applies it") {
  Device device;
  REQUIRE(device.store.add_unresolved(scan_of("7777777")).has_value());
  REQUIRE(device.store.store_catalog(catalog_knowing(2, {{"7777777", 1}})).value());
  REQUIRE(apply_held_scans(device.journal, device.store).value().applied.size() == 1);
  const auto events = device.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == EventType::kUnknownBarcode);
  CHECK(events[1].type == EventType::kCount);
  CHECK(events[2].type == EventType::kBarcodeApplied);
  CHECK(report_held_scans(device.journal, device.store).value() == 0);
}

TEST_CASE("two processes applying the same held scans at once apply each exactly once") {
  Device device;
  constexpr int kScans = 40;
  for (int i = 0; i < kScans; ++i) REQUIRE(hold_scan(device.journal, scan_of("7777777")).has_value());
  REQUIRE(device.store.store_catalog(catalog_knowing(2, {{"7777777", 1}})).value());

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Its own connections, as `recount-agent resolve` beside `run` would have.
    auto journal = Journal::open(device.dir.path(), std::nullopt, std::nullopt);
    auto store = CatalogStore::open(device.dir.path());
    const bool ok = journal && store && apply_held_scans(*journal, *store).has_value();
    _exit(ok ? 0 : 1);
  }
  auto mine = apply_held_scans(device.journal, device.store);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(mine.has_value());
  CHECK(device.count_of(EventType::kCount) == kScans);
  CHECK(device.count_of(EventType::kBarcodeApplied) == kScans);
  CHECK(device.store.unresolved(CatalogStore::Listing::kWaiting).value().empty());
}

TEST_CASE("a held scan whose context makes no valid event stays held and is reported as failed") {
  Device device;
  auto scan = scan_of("7777777", "putaway");  // a putaway without its destination
  REQUIRE(hold_scan(device.journal, scan).has_value());
  REQUIRE(device.store.store_catalog(catalog_knowing(2, {{"7777777", 1}})).value());
  const auto run = apply_held_scans(device.journal, device.store).value();
  CHECK(run.applied.empty());
  REQUIRE(run.failed.size() == 1);
  CHECK(run.failed[0].error.field.ends_with("to"));
  CHECK(device.store.unresolved(CatalogStore::Listing::kWaiting).value().size() == 1);
}

}  // namespace recount::agent
