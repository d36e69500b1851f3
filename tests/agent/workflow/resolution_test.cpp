// Resolving kept scans: the catalog key of a kept barcode, and the event its mode records with
// the context it was kept with.
#include "agent/workflow/resolution.hpp"

#include <doctest/doctest.h>

namespace recount::agent {
namespace {

UnresolvedScan kept_scan(std::string mode) {
  UnresolvedScan scan;
  scan.id = 7;
  scan.barcode = "7777777";
  scan.mode = std::move(mode);
  scan.user = "pat";
  scan.location = "A-01";
  scan.lot = "L1";
  scan.qty = 2;
  return scan;
}

const BarcodeMatch kCase{"SKU-1", "Widget", 12};

}  // namespace

TEST_CASE("a kept GS1 scan is looked up by its GTIN, any other barcode as it was kept") {
  CHECK(catalog_key("(01)09504000059101(10)AB") == "09504000059101");
  CHECK(catalog_key("(02)09504000059101(37)10") == "09504000059101");  // a logistic unit: its contents
  CHECK(catalog_key("INT-0002") == "INT-0002");
  CHECK(catalog_key("(99") == "(99");  // bracketed but not GS1: as it is
}

TEST_CASE("a resolved scan records what its mode records for its packs, with the context it was kept with") {
  auto count = resolved_event(kept_scan("count"), kCase);
  CHECK(count.type == EventType::kCount);
  CHECK(count.sku == "SKU-1");
  CHECK(count.qty == 24);
  CHECK(count.user == "pat");
  CHECK(count.location == "A-01");
  CHECK(count.lot == "L1");
  CHECK(count.barcode == "7777777");

  auto receipt = kept_scan("receive");
  receipt.reference = "PO-7";
  CHECK(resolved_event(receipt, kCase).reference == "PO-7");
  CHECK(resolved_event(receipt, kCase).type == EventType::kReceive);

  auto move = kept_scan("move");
  move.to_location = "B-02";
  CHECK(resolved_event(move, kCase).to_location == "B-02");

  CHECK(resolved_event(kept_scan("no such mode"), kCase).type == EventType::kCount);
}

TEST_CASE("a resolved adjustment takes stock away unless its reason adds it, as a live scan does") {
  auto damage = kept_scan("adjust");
  damage.reason = "damage";
  CHECK(resolved_event(damage, kCase).qty == -24);
  CHECK(resolved_event(damage, kCase).reason == ReasonCode::kDamage);
  auto found = kept_scan("adjust");
  found.reason = "found";
  CHECK(resolved_event(found, kCase).qty == 24);
}

}  // namespace recount::agent
