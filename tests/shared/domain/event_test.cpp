// Events: type and reason names, which types a device may record, and each rule of validate().
#include "shared/domain/event.hpp"

#include <doctest/doctest.h>

#include <string>

#include "shared/domain/limits.hpp"

namespace recount {
namespace {

// A valid event of `type` with only the members its rules require.
Event minimal(EventType type) {
  Event event;
  event.seq = 1;
  event.event_id = "01a218f1-5980-7444-9324-194ae56d5ba1";
  event.type = type;
  event.wall_ms = 1795714800000;
  event.hlc = HlcStamp{117683965132800000ULL};
  if (type == EventType::kTaskAck) {
    event.task_id = "rt-1";
    return event;
  }
  if (type == EventType::kSnapshot) {
    event.system = "shopify";
  } else {
    event.location = "A-01";
  }
  if (type == EventType::kLocationClosed) return event;
  if (type == EventType::kPutaway || type == EventType::kMove) event.to_location = "B-02";
  event.sku = "SKU-1";
  event.qty = 1;
  if (type == EventType::kAdjust) event.reason = ReasonCode::kFound;
  if (type == EventType::kUnknownBarcode || type == EventType::kBarcodeApplied) event.barcode = "00012345678905";
  return event;
}

std::string failing_field(const Event& event) {
  const auto result = validate(event);
  return result ? std::string("(valid)") : result.error().field;
}

}  // namespace

TEST_CASE("every event type and reason code has a name that parses back") {
  for (const EventType type : kAllEventTypes) CHECK(parse_event_type(to_string(type)) == type);
  for (const ReasonCode reason : kAllReasonCodes) CHECK(parse_reason_code(to_string(reason)) == reason);
  CHECK(to_string(EventType::kLocationClosed) == "location_closed");
  CHECK(to_string(ReasonCode::kDataEntryError) == "data_entry_error");
}

TEST_CASE("unknown or differently cased names do not parse") {
  CHECK_FALSE(parse_event_type("Count"));
  CHECK_FALSE(parse_event_type("teleport"));
  CHECK_FALSE(parse_event_type(""));
  CHECK_FALSE(parse_reason_code("DAMAGE"));
  CHECK_FALSE(parse_reason_code("aliens"));
}

TEST_CASE("devices may record every type except snapshots and baselines") {
  for (const EventType type : kAllEventTypes) {
    CAPTURE(to_string(type));
    CHECK(device_may_record(type) == (type != EventType::kSnapshot && type != EventType::kBaseline));
  }
}

TEST_CASE("a minimal event of every type is valid") {
  for (const EventType type : kAllEventTypes) {
    CAPTURE(to_string(type));
    CHECK(failing_field(minimal(type)) == "(valid)");
  }
}

TEST_CASE("shape rules apply to every type") {
  Event event = minimal(EventType::kCount);
  event.seq = 0;
  CHECK(failing_field(event) == "seq");
  event = minimal(EventType::kCount);
  event.event_id = "01A218F1-5980-7444-9324-194AE56D5BA1";
  CHECK(failing_field(event) == "event_id");
  event = minimal(EventType::kCount);
  event.wall_ms = 0;
  CHECK(failing_field(event) == "wall_ms");
  event = minimal(EventType::kCount);
  event.user = std::string(limits::kMaxCode + 1, 'u');
  CHECK(failing_field(event) == "user");
  event = minimal(EventType::kCount);
  event.reference = std::string(limits::kMaxReference + 1, 'r');
  CHECK(failing_field(event) == "ref");
  event = minimal(EventType::kCount);
  event.barcode = std::string(limits::kMaxBarcode + 1, '0');
  CHECK(failing_field(event) == "barcode");
  event = minimal(EventType::kCount);
  event.serial = "SN\x01";
  CHECK(failing_field(event) == "serial");
}

TEST_CASE("an expiry must be a day the calendar has") {
  Event event = minimal(EventType::kCount);
  for (const char* good : {"2027-05-31", "2027-01-01", "2027-12-31", "2028-02-29"}) {
    event.expiry = good;
    CHECK(failing_field(event) == "(valid)");
  }
  for (const char* bad : {"2027-5-31", "31.05.2027", "2027-13-01", "2027-00-10", "2027-05-00", "2027-05-32", "270531",
                          "2027/05/31", "2027-02-29", "2027-02-31", "2027-04-31"}) {
    CAPTURE(bad);
    event.expiry = bad;
    CHECK(failing_field(event) == "expiry");
  }
}

TEST_CASE("a count needs a location and a sku and may count zero") {
  Event event = minimal(EventType::kCount);
  event.qty = 0;
  CHECK(failing_field(event) == "(valid)");
  event.qty = limits::kMaxQuantity;
  CHECK(failing_field(event) == "(valid)");
  event.qty = limits::kMaxQuantity + 1;
  CHECK(failing_field(event) == "qty");
  event.qty = -1;
  CHECK(failing_field(event) == "qty");
  event = minimal(EventType::kCount);
  event.location.clear();
  CHECK(failing_field(event) == "location");
  event = minimal(EventType::kCount);
  event.sku.clear();
  CHECK(failing_field(event) == "sku");
}

TEST_CASE("a location_closed needs only its location") {
  Event event = minimal(EventType::kLocationClosed);
  CHECK(event.sku.empty());
  CHECK(failing_field(event) == "(valid)");
  event.location.clear();
  CHECK(failing_field(event) == "location");
}

TEST_CASE("receive sale and ship move at least one unit") {
  for (const EventType type : {EventType::kReceive, EventType::kSale, EventType::kShip}) {
    CAPTURE(to_string(type));
    Event event = minimal(type);
    event.qty = 0;
    CHECK(failing_field(event) == "qty");
    event.qty = limits::kMaxQuantity;
    CHECK(failing_field(event) == "(valid)");
    event.sku.clear();
    CHECK(failing_field(event) == "sku");
  }
}

TEST_CASE("putaway and move need a destination different from their source") {
  for (const EventType type : {EventType::kPutaway, EventType::kMove}) {
    CAPTURE(to_string(type));
    Event event = minimal(type);
    event.to_location.clear();
    CHECK(failing_field(event) == "to");
    event.to_location = event.location;
    CHECK(failing_field(event) == "to");
    event = minimal(type);
    event.qty = 0;
    CHECK(failing_field(event) == "qty");
  }
}

TEST_CASE("an adjustment needs a reason and a non-zero delta within the limit either way") {
  Event event = minimal(EventType::kAdjust);
  event.reason.reset();
  CHECK(failing_field(event) == "reason");
  event = minimal(EventType::kAdjust);
  event.qty = 0;
  CHECK(failing_field(event) == "qty");
  event.qty = -limits::kMaxQuantity;
  CHECK(failing_field(event) == "(valid)");
  event.qty = -limits::kMaxQuantity - 1;
  CHECK(failing_field(event) == "qty");
  event.qty = limits::kMaxQuantity + 1;
  CHECK(failing_field(event) == "qty");
}

TEST_CASE("a task_ack needs the task it acknowledges") {
  Event event = minimal(EventType::kTaskAck);
  CHECK(event.location.empty());
  CHECK(failing_field(event) == "(valid)");
  event.task_id.clear();
  CHECK(failing_field(event) == "task_id");
}

TEST_CASE("a snapshot needs its system and sku but no location, and may report less than nothing") {
  Event event = minimal(EventType::kSnapshot);
  CHECK(event.location.empty());
  CHECK(failing_field(event) == "(valid)");
  event.system.clear();
  CHECK(failing_field(event) == "system");
  event = minimal(EventType::kSnapshot);
  event.qty = -1;  // Shopify's oversold stock
  CHECK(failing_field(event) == "(valid)");
  event.qty = -limits::kMaxQuantity - 1;
  CHECK(failing_field(event) == "qty");
}

TEST_CASE("a negative count is a correction of a session's tally and needs the session") {
  Event event = minimal(EventType::kCount);
  event.session.clear();
  event.qty = -3;
  CHECK(failing_field(event) == "qty");
  event.session = "cs-1";
  CHECK(failing_field(event) == "(valid)");
  event.qty = -limits::kMaxQuantity - 1;
  CHECK(failing_field(event) == "qty");
}

TEST_CASE("a baseline needs a location and sku and a non-negative balance") {
  Event event = minimal(EventType::kBaseline);
  event.qty = 0;
  CHECK(failing_field(event) == "(valid)");
  event.qty = -3;
  CHECK(failing_field(event) == "qty");
  event = minimal(EventType::kBaseline);
  event.location.clear();
  CHECK(failing_field(event) == "location");
}

TEST_CASE("an unknown_barcode event needs its barcode and at least one scan, and no SKU") {
  Event event = minimal(EventType::kUnknownBarcode);
  event.sku.clear();
  event.location.clear();
  CHECK(failing_field(event) == "(valid)");
  event.barcode.clear();
  CHECK(failing_field(event) == "barcode");
  event = minimal(EventType::kUnknownBarcode);
  event.qty = 0;
  CHECK(failing_field(event) == "qty");
}

TEST_CASE("a barcode_applied event needs the barcode, the SKU it was applied as and at least one scan") {
  Event event = minimal(EventType::kBarcodeApplied);
  CHECK(failing_field(event) == "(valid)");
  event.sku.clear();
  CHECK(failing_field(event) == "sku");
  event = minimal(EventType::kBarcodeApplied);
  event.barcode.clear();
  CHECK(failing_field(event) == "barcode");
  event = minimal(EventType::kBarcodeApplied);
  event.qty = -1;
  CHECK(failing_field(event) == "qty");
}

}  // namespace recount
