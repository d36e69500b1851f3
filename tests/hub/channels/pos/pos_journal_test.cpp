// POS journals as movements (tests/data/channels/pos, made by tests/data/channels/make.py).
#include "hub/channels/pos/pos_journal.hpp"

#include <doctest/doctest.h>

#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_data.hpp"

namespace recount::hub::channels::pos {
namespace {

std::string fixture(std::string_view name) {
  return testing::read_file(testing::project_data("channels/pos/" + std::string(name)));
}

}  // namespace

TEST_CASE("sales, returns and damages at the register become sale and adjust movements keyed by receipt line") {
  const auto report = read_pos_journal(fixture("journal.csv"));
  REQUIRE(report.errors.empty());
  CHECK(report.system == "pos");
  CHECK(report.kind == "pos-journal");
  REQUIRE(report.movements.size() == 5);
  const auto& sale = report.movements[0];
  CHECK(sale.type == EventType::kSale);
  CHECK(sale.qty == 2);
  CHECK(sale.sku == "MUG-BLUE");
  CHECK(sale.key == "R1/1001/1");
  CHECK(sale.reference == "register R1 receipt 1001");
  CHECK(sale.time_ms == 1'793'610'900'000);  // 2026-11-02T10:15:00+01:00
  CHECK(!sale.reason.has_value());
  const auto& by_barcode = report.movements[1];
  CHECK(by_barcode.sku.empty());  // for the import to resolve
  CHECK(by_barcode.barcode == "4006381333931");
  const auto& ret = report.movements[2];
  CHECK(ret.type == EventType::kAdjust);
  CHECK(ret.qty == 1);
  CHECK(ret.reason == ReasonCode::kReturn);
  const auto& damage = report.movements[3];
  CHECK(damage.type == EventType::kAdjust);
  CHECK(damage.qty == -1);
  CHECK(damage.reason == ReasonCode::kDamage);
  CHECK(report.movements[4].qty == -3);
  CHECK(report.movements[4].reason == ReasonCode::kExpired);  // the reason column's code
  // The last line repeats the first one exactly: read once, with a note.
  REQUIRE(report.notes.size() == 1);
  CHECK(report.notes.front().line == 7);
  CHECK(report.notes.front().message.find("R1/1001/1 is given again (first on line 2) with the same content") !=
        std::string::npos);
}

TEST_CASE("a receipt line given twice with other content is an error on the second") {
  const auto report = read_pos_journal(fixture("journal-conflict.csv"));
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors.front().line == 3);
  CHECK(report.errors.front().field == "line");
  CHECK(report.errors.front().message.find("with other content") != std::string::npos);
}

TEST_CASE("each bad row is an error naming its line, column and value") {
  const auto report = read_pos_journal(fixture("journal-bad.csv"));
  REQUIRE(report.errors.size() == 5);
  CHECK(report.errors[0].line == 2);
  CHECK(report.errors[0].field == "time");
  CHECK(report.errors[0].message.find("'2026-11-02 10:15'") != std::string::npos);
  CHECK(report.errors[1].line == 3);
  CHECK(report.errors[1].field == "sku");
  CHECK(report.errors[2].field == "quantity");
  CHECK(report.errors[2].message.find("'0'") != std::string::npos);
  CHECK(report.errors[3].field == "kind");
  CHECK(report.errors[3].message.find("'theft' is not sale, return or damage") != std::string::npos);
  CHECK(report.errors[4].line == 6);
  CHECK(report.errors[4].field == "reason");
  CHECK(report.errors[4].message.find("'lost'") != std::string::npos);
  CHECK(report.movements.empty());
}

TEST_CASE("a reason on a sale, or another reason on a return, is refused") {
  const auto report = read_pos_journal(
      "time,register,receipt,line,sku,barcode,quantity,kind,reason\n"
      "2026-11-02T10:15:00Z,R1,1,1,A,,1,sale,damage\n"
      "2026-11-02T10:15:00Z,R1,1,2,A,,1,return,found\n"
      "2026-11-02T10:15:00Z,R1,1,3,A,,1,return,return\n");
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].message.find("for a sale") != std::string::npos);
  CHECK(report.errors[1].message.find("for a return") != std::string::npos);
  CHECK(report.movements.size() == 1);
}

TEST_CASE("a file that is not a POS journal names the header expected") {
  const auto report = read_pos_journal("time,sku,quantity\n2026-11-02T10:15:00Z,A,1\n");
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors.front().line == 1);
  CHECK(report.errors.front().message.find("lacks column(s) register, receipt, line, barcode, kind, reason") !=
        std::string::npos);
}

}  // namespace recount::hub::channels::pos
