// The unknown-barcode store: device reports folded per (site, barcode), listings by state, and
// mapping to an item, which writes the hub catalog with its audit entry or refuses and writes
// nothing.
#include "hub/unknown/unknown_barcodes.hpp"

#include <doctest/doctest.h>

#include "tests/hub/ledger_fixtures.hpp"

namespace recount::hub {
namespace {

constexpr const char* kItems =
    "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-1,Widget,189,g,5901234123457,1\n"
    "SKU-2,Gasket,42,p,INT-2,1\n";

Event report(const std::string& barcode, std::int64_t wall_ms, std::int64_t scans = 1) {
  Event event;
  event.type = EventType::kUnknownBarcode;
  event.barcode = barcode;
  event.qty = scans;
  event.wall_ms = wall_ms;
  return event;
}

Event applied(const std::string& barcode, const std::string& sku, std::int64_t scans) {
  Event event = report(barcode, 1, scans);
  event.type = EventType::kBarcodeApplied;
  event.sku = sku;
  return event;
}

std::vector<const Event*> pointers_to(const std::vector<Event>& events) {
  std::vector<const Event*> pointers;
  pointers.reserve(events.size());
  for (const auto& event : events) pointers.push_back(&event);
  return pointers;
}

// The whole store on a Ledger of either engine (TEST_CASE_TEMPLATE over testing::SqliteLedger and
// testing::PostgresLedger), the catalog holding kItems.
template <typename Backend>
struct Hub : testing::LedgerOn<Backend> {
  using testing::LedgerOn<Backend>::ledger;

  CatalogStore catalog = CatalogStore::open(ledger).value();
  UnknownBarcodes unknown = UnknownBarcodes::open(ledger).value();

  Hub() { REQUIRE(catalog.import_csv(ImportKind::kItems, kItems).value().errors.empty()); }

  std::vector<UnknownKey> fold(const std::string& site, const std::string& device, const std::vector<Event>& events) {
    auto write = ledger.begin_write().value();
    auto changed = unknown.record(write, site, device, pointers_to(events)).value();
    REQUIRE(write.commit().has_value());
    return changed;
  }
  Result<std::optional<UnknownBarcode>> find(const std::string& site, const std::string& barcode) {
    return unknown.find(site, barcode);
  }
  Result<std::vector<UnknownBarcode>> list(const std::string& site, UnknownFilter filter) {
    return unknown.list(site, filter);
  }
};

}  // namespace

TEST_CASE_TEMPLATE("reports of one barcode add up per site with their devices and first and last sightings", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  Hub<Backend> hub;
  Event count;
  count.type = EventType::kCount;
  count.barcode = "00012345678905";
  const auto changed =
      hub.fold("s1", "dev-b", {report("00012345678905", 2000), count, report("00012345678905", 1000, 3)});
  CHECK(changed == std::vector<UnknownKey>{{"s1", "00012345678905"}});
  hub.fold("s1", "dev-a", {report("00012345678905", 5000)});
  hub.fold("s2", "dev-c", {report("00012345678905", 9000)});

  const auto entry = hub.find("s1", "00012345678905").value().value();
  CHECK(entry.scans == 5);
  CHECK(entry.devices == std::vector<std::string>{"dev-a", "dev-b"});
  CHECK(entry.first_seen_ms == 1000);
  CHECK(entry.last_seen_ms == 5000);
  CHECK(entry.state == UnknownState::kOpen);
  CHECK(entry.applied == 0);
  const auto all = hub.list("", UnknownFilter::kAll).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].site == "s2");  // most recently seen first
  CHECK(hub.list("s2", UnknownFilter::kOpen).value().front().scans == 1);
  CHECK(hub.list("s1", UnknownFilter::kMapped).value().empty());
  CHECK_FALSE(hub.find("s3", "00012345678905").value().has_value());
  // Applied scans add up apart; an entry only applied (none reported) lists no device.
  hub.fold("s1", "dev-a", {applied("00012345678905", "SKU-2", 2), applied("X-1", "SKU-1", 1)});
  CHECK(hub.find("s1", "00012345678905").value()->applied == 2);
  CHECK(hub.find("s1", "00012345678905").value()->scans == 5);
  CHECK(hub.find("s1", "X-1").value()->devices.empty());
}

TEST_CASE_TEMPLATE(
    "mapping adds the barcode to the catalog as the operator, raises its version and lists the entry as mapped",
    Backend, testing::SqliteLedger, testing::PostgresLedger) {
  Hub<Backend> hub;
  hub.fold("s1", "dev-1", {report("00012345678905", 1000, 2)});
  const auto version_before = hub.catalog.catalog_for("s1").value().version;
  // The operator types the UPC-A; devices reported its GTIN-14.
  const auto entry = hub.unknown.map(hub.catalog, {"s1", "012345678905", "SKU-2", 6}, "ops-anna", 7000).value();
  CHECK(entry.state == UnknownState::kMapped);
  CHECK(entry.sku == "SKU-2");
  CHECK(entry.pack_qty == 6);
  CHECK(entry.mapped_by == "ops-anna");
  CHECK(entry.mapped_ms == 7000);

  const auto catalog = hub.catalog.catalog_for("s1").value();
  CHECK(catalog.version == version_before + 1);
  bool found = false;
  for (const auto& item : catalog.items) {
    for (const auto& barcode : item.barcodes) {
      if (barcode.code == "00012345678905") found = item.sku == "SKU-2" && barcode.pack_qty == 6;
    }
  }
  CHECK(found);
  auto entries = hub.ledger.audit().entries(0, 1000).value();
  REQUIRE_FALSE(entries.empty());
  CHECK(entries.back().kind == "catalog.map_barcode");
  CHECK(entries.back().detail.find("\"actor\":\"ops-anna\"") != std::string::npos);

  CHECK(hub.unknown.list("s1", UnknownFilter::kOpen).value().empty());
  CHECK(hub.unknown.list("s1", UnknownFilter::kMapped).value().size() == 1);
  hub.fold("s1", "dev-1", {applied("00012345678905", "SKU-2", 2)});
  CHECK(hub.unknown.find("s1", "00012345678905").value()->applied == 2);
}

TEST_CASE_TEMPLATE("a mapping is refused, naming the member, and stores nothing", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  Hub<Backend> hub;
  hub.fold("s1", "dev-1", {report("00012345678905", 1000), report("INT-2", 1000), report("X-9", 1000)});
  const auto version = hub.catalog.catalog_for("s1").value().version;
  const auto refused = [&](const BarcodeMapRequest& request) {
    auto result = hub.unknown.map(hub.catalog, request, "ops-anna", 7000);
    REQUIRE_FALSE(result.has_value());
    return result.error();
  };
  auto error = refused({"s1", "X-9", "SKU-404", 1});
  CHECK(error.code == ErrorCode::kNotFound);
  CHECK(error.field == "sku");
  error = refused({"s1", "INT-2", "SKU-1", 1});  // INT-2 is SKU-2's
  CHECK(error.code == ErrorCode::kConflict);
  CHECK(error.field == "barcode");
  error = refused({"s1", "X-9", "SKU-1", 0});
  CHECK(error.code == ErrorCode::kInvalidInput);
  CHECK(error.field == "pack_qty");
  error = refused({"s1", "NEVER-SEEN", "SKU-1", 1});
  CHECK(error.code == ErrorCode::kNotFound);
  CHECK(error.field == "barcode");
  error = refused({"s2", "X-9", "SKU-1", 1});  // reported at s1 only
  CHECK(error.code == ErrorCode::kNotFound);
  error = refused({"bad site", "X-9", "SKU-1", 1});
  CHECK(error.field == "site");
  error = refused({"s1", "5901234123458", "SKU-1", 1});  // a GTIN with a wrong check digit
  CHECK(error.field == "barcode");

  CHECK(hub.catalog.catalog_for("s1").value().version == version);
  CHECK(hub.unknown.list("s1", UnknownFilter::kMapped).value().empty());
  // Once mapped to SKU-1, it cannot go to SKU-2; mapped to SKU-1 again, its pack size changes.
  REQUIRE(hub.unknown.map(hub.catalog, {"s1", "X-9", "SKU-1", 1}, "ops-anna", 7000).has_value());
  CHECK(refused({"s1", "X-9", "SKU-2", 1}).code == ErrorCode::kConflict);
  CHECK(hub.unknown.map(hub.catalog, {"s1", "X-9", "SKU-1", 12}, "ops-anna", 8000).value().pack_qty == 12);
}

TEST_CASE_TEMPLATE("announce hands each named entry, as stored, to the listener", Backend, testing::SqliteLedger,
                   testing::PostgresLedger) {
  Hub<Backend> hub;
  hub.fold("s1", "dev-1", {report("X-9", 1000)});
  std::vector<UnknownBarcode> told;
  hub.unknown.announce({{"s1", "X-9"}});  // no listener yet: nothing happens
  hub.unknown.on_change([&](const UnknownBarcode& entry) { told.push_back(entry); });
  hub.unknown.announce({{"s1", "X-9"}, {"s1", "NOT-STORED"}});
  REQUIRE(told.size() == 1);
  CHECK(told[0].scans == 1);
}

}  // namespace recount::hub
