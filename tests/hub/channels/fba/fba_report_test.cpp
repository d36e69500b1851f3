// Amazon FBA reports as Reports: a real Manage FBA Inventory report and one fixture per quirk
// (tests/data/channels/fba, made by tests/data/channels/make.py).
#include "hub/channels/fba/fba_report.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::hub::channels::fba {
namespace {

std::string fixture(std::string_view name) {
  return testing::read_file(testing::project_data("channels/fba/" + std::string(name)));
}

const ReportedQuantity& quantity_of(const Report& report, std::string_view sku) {
  const auto found = std::find_if(report.quantities.begin(), report.quantities.end(),
                                  [&](const ReportedQuantity& q) { return q.sku == sku; });
  REQUIRE_MESSAGE(found != report.quantities.end(), "no quantity of SKU " << sku);
  return *found;
}

std::string all_messages(const std::vector<ImportError>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    text += std::to_string(problem.line) + ": " + problem.field + ": " + problem.message + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("the real Manage FBA Inventory report reads as 12 SKUs: its unbalanced quote swallows nothing") {
  const auto report = read_fba_report(fixture("manage-fba-inventory-21.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  CHECK(report.system == "fba");
  CHECK(report.kind == "manage-fba-inventory");
  CHECK(!report.as_of_ms.has_value());
  REQUIRE(report.quantities.size() == 12);
  CHECK(report.notes.empty());
  // The quote is part of the first SKU as Amazon lists it; numeric-looking SKUs stay strings.
  CHECK(report.quantities.front().sku == "\"JRenee-MayettaXXwide-PlacidBlue-7");
  CHECK(report.quantities.front().line == 2);
  CHECK(report.quantities.front().item_ref == "FNSKU B072KBW5FC ASIN B07WKBW5FC");
  CHECK(quantity_of(report, "019846904380").quantity == 0);
  CHECK(quantity_of(report, "630162817873630162817873").line == 11);
  CHECK(quantity_of(report, "630162817842").quantity == 2);
  const auto& last = quantity_of(report, "697408927505");
  CHECK(last.quantity == 5);  // the last line, without a final newline
  CHECK(last.details.at("fulfillable") == 5);
  CHECK(last.details.at("inbound-working") == 0);
  CHECK(last.details.at("future-supply-buyable") == 0);
}

TEST_CASE("the 18-column layout with an upper-case header maps by name and tracks inbound apart") {
  const auto report = read_fba_report(fixture("manage-fba-inventory-18.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "manage-fba-inventory");
  REQUIRE(report.quantities.size() == 3);
  const auto& blue = quantity_of(report, "000123456789");
  CHECK(blue.quantity == 12);  // afn-warehouse-quantity: what Amazon holds
  CHECK(blue.details.at("inbound-working") == 5);
  CHECK(blue.details.at("reserved") == 1);
  CHECK(!blue.details.contains("researching"));  // not in the older layout
  const auto& red = quantity_of(report, "630162817873630162817873");
  CHECK(red.quantity == 4);
  CHECK(red.details.at("inbound-shipped") == 3);
  CHECK(red.details.at("inbound-receiving") == 2);
  CHECK(report.notes.empty());
}

TEST_CASE("a windows-1252 report reads in auto and in windows-1252, plain and gzipped, and not as UTF-8") {
  for (const auto* name : {"manage-fba-inventory-1252.txt", "manage-fba-inventory-1252.txt.gz"}) {
    CAPTURE(name);
    for (const auto encoding : {TextEncoding::kAuto, TextEncoding::kWindows1252}) {
      CAPTURE(to_string(encoding));
      const auto report = read_fba_report(fixture(name), FbaOptions{FbaReportKind::kDetect, encoding});
      INFO(all_messages(report.errors));
      REQUIRE(report.errors.empty());
      REQUIRE(report.quantities.size() == 2);
      CHECK(quantity_of(report, "CAFE-01").quantity == 7);
      CHECK(quantity_of(report, "CAFE-02").quantity == 3);
    }
    const auto strict = read_fba_report(fixture(name), FbaOptions{FbaReportKind::kDetect, TextEncoding::kUtf8});
    REQUIRE(!strict.errors.empty());
    CHECK(strict.errors.front().line == 2);  // the first line with a windows-1252 byte
    CHECK(strict.quantities.empty());
  }
}

TEST_CASE("Amazon's warehouse identity that does not hold is a note with both sides, not an error") {
  const auto report = read_fba_report(fixture("manage-fba-inventory-identity.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  REQUIRE(report.quantities.size() == 2);
  CHECK(quantity_of(report, "ID-BROKEN").quantity == 9);  // reported as Amazon says, not guessed
  REQUIRE(report.notes.size() == 1);
  const auto& note = report.notes.front();
  CHECK(note.line == 3);
  CHECK(note.field == "afn-warehouse-quantity");
  CHECK(note.message.find("is 9") != std::string::npos);
  CHECK(note.message.find("6 + 1 + 1 = 8") != std::string::npos);
}

TEST_CASE("a quantity that is not a whole number or is negative is an error naming line, column and value") {
  const auto report = read_fba_report(fixture("manage-fba-inventory-bad.txt"));
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].line == 2);
  CHECK(report.errors[0].field == "afn-warehouse-quantity");
  CHECK(report.errors[0].message.find("'1O'") != std::string::npos);
  CHECK(report.errors[1].line == 3);
  CHECK(report.errors[1].field == "afn-reserved-quantity");
  CHECK(report.errors[1].message.find("'-1' is below zero") != std::string::npos);
}

TEST_CASE("the same SKU listed twice counts once when the figures agree and is an error when not") {
  const std::string header =
      "sku\tfnsku\tasin\tafn-warehouse-quantity\tafn-fulfillable-quantity\tafn-unsellable-quantity\t"
      "afn-reserved-quantity\n";
  const auto same = read_fba_report(header + "A\tX1\tB1\t3\t3\t0\t0\nA\tX1\tB1\t3\t3\t0\t0\n");
  CHECK(same.errors.empty());
  CHECK(same.quantities.size() == 1);
  REQUIRE(same.notes.size() == 1);
  CHECK(same.notes.front().message.find("first on line 2") != std::string::npos);
  const auto other = read_fba_report(header + "A\tX1\tB1\t3\t3\t0\t0\nA\tX1\tB1\t4\t4\t0\t0\n");
  REQUIRE(other.errors.size() == 1);
  CHECK(other.errors.front().line == 3);
  CHECK(other.errors.front().message.find("4 here, 3 there") != std::string::npos);
}

TEST_CASE("the AFN inventory report sums a SKU's sellable and unsellable rows") {
  const auto report = read_fba_report(fixture("afn-inventory.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "afn-inventory");
  REQUIRE(report.quantities.size() == 2);
  const auto& mug = quantity_of(report, "0042-SKU");
  CHECK(mug.quantity == 10);
  CHECK(mug.details.at("sellable") == 8);
  CHECK(mug.details.at("unsellable") == 2);
  CHECK(mug.line == 2);
  CHECK(quantity_of(report, "TOTE-1").quantity == 0);

  const auto twice = read_fba_report(
      "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code\tQuantity Available\n"
      "A\tX\tB\tNewItem\tSELLABLE\t1\nA\tX\tB\tNewItem\tSELLABLE\t2\nA\tX\tB\tNewItem\tLOST\t2\n");
  REQUIRE(twice.errors.size() == 2);
  CHECK(twice.errors[0].line == 3);
  CHECK(twice.errors[0].message.find("second sellable row") != std::string::npos);
  CHECK(twice.errors[1].message.find("'LOST'") != std::string::npos);
}

TEST_CASE("the Inventory Ledger reads as movements with stable keys, its quotes removed") {
  const auto report = read_fba_report(fixture("inventory-ledger.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "fba-ledger");
  CHECK(report.quantities.empty());
  REQUIRE(report.movements.size() == 7);
  const auto& receipt = report.movements[0];
  CHECK(receipt.type == EventType::kReceive);
  CHECK(receipt.qty == 10);
  CHECK(receipt.sku == "0042-SKU");
  CHECK(receipt.system_location == "FFE8");
  CHECK(receipt.reference == "FBA15ABCD");
  CHECK(receipt.time_ms == 1'793'631'600'000);  // 2026-11-02T08:00:00-07:00
  CHECK(report.movements[1].type == EventType::kShip);
  CHECK(report.movements[1].qty == 3);
  CHECK(report.movements[2].type == EventType::kAdjust);
  CHECK(report.movements[2].reason == ReasonCode::kReturn);
  CHECK(report.movements[2].qty == 1);
  CHECK(report.movements[3].reason == ReasonCode::kDamage);
  CHECK(report.movements[3].qty == -1);
  // Two identical rows are two events: the second one's key says so.
  CHECK(report.movements[4].key == report.movements[3].key + "#2");
  CHECK(report.movements[5].reason == ReasonCode::kFound);
  CHECK(report.movements[6].type == EventType::kShip);      // a removal: units leave Amazon
  CHECK(report.movements[6].time_ms == 1'794'009'600'000);  // 11/07/2026 without a time: 00:00 UTC
  const auto again = read_fba_report(fixture("inventory-ledger.txt"));
  for (std::size_t i = 0; i < report.movements.size(); ++i) CHECK(again.movements[i].key == report.movements[i].key);
}

TEST_CASE("the Inventory Adjustments report keys each movement by Amazon's transaction id") {
  const auto report = read_fba_report(fixture("inventory-adjustments.txt"));
  INFO(all_messages(report.errors));
  REQUIRE(report.errors.empty());
  CHECK(report.kind == "fba-adjustments");
  REQUIRE(report.movements.size() == 3);
  CHECK(report.movements[0].key == "adjustment|101");
  CHECK(report.movements[0].reason == ReasonCode::kMisplaced);
  CHECK(report.movements[0].qty == -2);
  CHECK(report.movements[1].reason == ReasonCode::kFound);
  CHECK(report.movements[1].qty == 2);
  CHECK(report.movements[2].reason == ReasonCode::kDamage);
  CHECK(report.movements[2].reference == "adjustment 103 (Amazon reason E)");
}

TEST_CASE("a file that is no FBA report names the headers expected, and a kind given checks its columns") {
  const auto report = read_fba_report(fixture("not-fba.txt"));
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors.front().line == 1);
  CHECK(report.errors.front().message.find("Manage FBA Inventory: sku, fnsku") != std::string::npos);
  CHECK(report.errors.front().message.find("AFN inventory") != std::string::npos);

  const auto forced = read_fba_report(fixture("afn-inventory.txt"), FbaOptions{FbaReportKind::kManageInventory});
  REQUIRE(forced.errors.size() == 1);
  CHECK(forced.errors.front().message.find("lacks column(s) of the Manage FBA Inventory report: sku, fnsku") !=
        std::string::npos);
  CHECK(parse_fba_report_kind("fba-ledger") == FbaReportKind::kLedger);
  CHECK(!parse_fba_report_kind("ledger").has_value());
}

TEST_CASE("an unknown ledger event type and a bad date are errors naming the value") {
  const auto report = read_fba_report(
      "Date\tFNSKU\tASIN\tMSKU\tEvent Type\tReference ID\tQuantity\tFulfillment Center\tDisposition\tReason\n"
      "11/02/2026\tX\tB\tA\tTeleport\t\t1\tFFE8\tSELLABLE\t\n"
      "2026-11-02\tX\tB\tA\tReceipts\t\t1\tFFE8\tSELLABLE\t\n");
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].field == "Event Type");
  CHECK(report.errors[0].message.find("'Teleport'") != std::string::npos);
  CHECK(report.errors[1].line == 3);
  CHECK(report.errors[1].message.find("'2026-11-02' is not a date (MM/DD/YYYY)") != std::string::npos);
}

TEST_CASE("an empty file and a header without rows") {
  CHECK(!read_fba_report("").errors.empty());
  const auto header_only = read_fba_report(
      "sku\tfnsku\tasin\tafn-warehouse-quantity\tafn-fulfillable-quantity\tafn-unsellable-quantity\t"
      "afn-reserved-quantity");
  CHECK(header_only.errors.empty());
  CHECK(header_only.quantities.empty());
}

}  // namespace recount::hub::channels::fba
