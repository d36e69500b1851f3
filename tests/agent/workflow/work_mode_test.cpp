// The scan → event rule of every work mode, and the sign rule of adjustments.
#include "agent/workflow/work_mode.hpp"

#include <doctest/doctest.h>

namespace recount::agent {
namespace {

Event scanned_item() {
  Event item;
  item.user = "alice";
  item.location = "A-01";
  item.sku = "SKU-1";
  item.lot = "L7";
  return item;
}

const ModeContext kContext{"B-02", "PO-9", ReasonCode::kDamage};

}  // namespace

TEST_CASE("work modes are named as on the #mode command and unknown names are refused") {
  for (auto mode : {WorkMode::kCount, WorkMode::kReceive, WorkMode::kPutaway, WorkMode::kMove, WorkMode::kAdjust,
                    WorkMode::kSale, WorkMode::kReturn, WorkMode::kDamage}) {
    CHECK(parse_work_mode(to_string(mode)) == mode);
  }
  CHECK(to_string(WorkMode::kPutaway) == "putaway");
  CHECK_FALSE(parse_work_mode("Count").has_value());
  CHECK_FALSE(parse_work_mode("").has_value());
  CHECK(work_mode_names() == "count, receive, putaway, move, adjust, sale, return, damage");
}

TEST_CASE("each mode records its own event type and only the context it uses") {
  const auto count = item_event(WorkMode::kCount, kContext, 12, scanned_item());
  CHECK(count.type == EventType::kCount);
  CHECK(count.qty == 12);
  CHECK(count.to_location.empty());
  CHECK(count.reference.empty());
  CHECK_FALSE(count.reason.has_value());
  CHECK(count.user == "alice");
  CHECK(count.lot == "L7");

  const auto receive = item_event(WorkMode::kReceive, kContext, 3, scanned_item());
  CHECK(receive.type == EventType::kReceive);
  CHECK(receive.reference == "PO-9");
  CHECK(receive.to_location.empty());
  CHECK(receive.qty == 3);

  const auto putaway = item_event(WorkMode::kPutaway, kContext, 3, scanned_item());
  CHECK(putaway.type == EventType::kPutaway);
  CHECK(putaway.location == "A-01");
  CHECK(putaway.to_location == "B-02");
  CHECK(putaway.reference.empty());

  const auto move = item_event(WorkMode::kMove, kContext, 3, scanned_item());
  CHECK(move.type == EventType::kMove);
  CHECK(move.to_location == "B-02");
  CHECK(move.qty == 3);
}

TEST_CASE("an adjustment adds stock only for found and return, every other reason, or none, takes it away") {
  for (auto reason : kAllReasonCodes) {
    CAPTURE(to_string(reason));
    const auto adjust = item_event(WorkMode::kAdjust, ModeContext{"", "", reason}, 6, scanned_item());
    CHECK(adjust.type == EventType::kAdjust);
    CHECK(adjust.reason == reason);
    const bool adds = reason == ReasonCode::kFound || reason == ReasonCode::kReturn;
    CHECK(adds_stock(reason) == adds);
    CHECK(adjust.qty == (adds ? 6 : -6));
  }
  CHECK_FALSE(adds_stock(std::nullopt));
  CHECK(item_event(WorkMode::kAdjust, ModeContext{}, 2, scanned_item()).qty == -2);
  // No other mode is ever negative, whatever the context's reason.
  CHECK(item_event(WorkMode::kReceive, kContext, 2, scanned_item()).qty == 2);
}

TEST_CASE("a register's modes record as a POS journal's rows: sale, return adds, damage takes away") {
  const auto sale = item_event(WorkMode::kSale, kContext, 2, scanned_item());
  CHECK(sale.type == EventType::kSale);
  CHECK(sale.qty == 2);
  CHECK_FALSE(sale.reason.has_value());
  CHECK(sale.reference.empty());
  CHECK(sale.to_location.empty());

  const auto returned = item_event(WorkMode::kReturn, kContext, 1, scanned_item());
  CHECK(returned.type == EventType::kAdjust);
  CHECK(returned.reason == ReasonCode::kReturn);  // whatever the context's reason
  CHECK(returned.qty == 1);

  const auto damaged = item_event(WorkMode::kDamage, ModeContext{}, 3, scanned_item());
  CHECK(damaged.type == EventType::kAdjust);
  CHECK(damaged.reason == ReasonCode::kDamage);
  CHECK(damaged.qty == -3);
  const auto expired = item_event(WorkMode::kDamage, ModeContext{"", "", ReasonCode::kExpired}, 3, scanned_item());
  CHECK(expired.reason == ReasonCode::kExpired);
  CHECK(expired.qty == -3);
  for (const auto& event : {sale, returned, damaged, expired}) CHECK(validate(event, EventStage::kDraft).has_value());
}

}  // namespace recount::agent
