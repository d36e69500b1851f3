// Events, the only way a fact enters recount (DESIGN §3), and the rules each type must meet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount {

enum class EventType {
  kCount,           // N units of a SKU seen at a location (one counter, one session)
  kLocationClosed,  // a count session finished a location: expected but unscanned SKUs count 0
  kReceive,         // N units received at a dock against a PO/ASN reference
  kPutaway,         // N units moved from the dock to a bin
  kMove,            // N units moved between locations
  kAdjust,          // a signed delta with a reason code
  kSale,            // units left stock through a point of sale
  kShip,            // units left stock through a shipment
  kTaskAck,         // a device received a recount task (so receipt is durable and ordered)
  kSnapshot,        // a connected system reports N units of a SKU at a site (hub import only)
  kBaseline,        // opening balance of a position (hub import only)
  // A scan the device's catalog did not know, held on the device until an operator maps its
  // barcode (docs/catalog.md §8): the ledger keeps it, reconciliation does not count it.
  kUnknownBarcode,
  // Held scans of a barcode were recorded as the events they should have been, once the catalog
  // knew it: recorded in the same commit as those events; not counted either.
  kBarcodeApplied,
};

inline constexpr EventType kAllEventTypes[] = {
    EventType::kCount,          EventType::kLocationClosed, EventType::kReceive,  EventType::kPutaway,
    EventType::kMove,           EventType::kAdjust,         EventType::kSale,     EventType::kShip,
    EventType::kTaskAck,        EventType::kSnapshot,       EventType::kBaseline, EventType::kUnknownBarcode,
    EventType::kBarcodeApplied,
};

std::string_view to_string(EventType type);
std::optional<EventType> parse_event_type(std::string_view text);

// Whether a device may send this type over MQTT; snapshots and baselines enter only through the
// hub's imports.
bool device_may_record(EventType type);

// Why stock was adjusted. Shared by agents (floor adjustments), the hub (resolved discrepancies)
// and imports, so reports can group write-offs by cause.
enum class ReasonCode {
  kDamage,
  kExpired,
  kTheft,
  kFound,
  kReturn,
  kDataEntryError,
  kUomError,
  kCountError,
  kMisplaced,
  kReceivingError,
  kShrinkage,
  kOther,
};

inline constexpr ReasonCode kAllReasonCodes[] = {
    ReasonCode::kDamage,    ReasonCode::kExpired,        ReasonCode::kTheft,     ReasonCode::kFound,
    ReasonCode::kReturn,    ReasonCode::kDataEntryError, ReasonCode::kUomError,  ReasonCode::kCountError,
    ReasonCode::kMisplaced, ReasonCode::kReceivingError, ReasonCode::kShrinkage, ReasonCode::kOther,
};

std::string_view to_string(ReasonCode reason);
std::optional<ReasonCode> parse_reason_code(std::string_view text);

// One event as recorded by a device or the hub. Which optional fields are required depends on
// the type; validate() states the rules. Quantities are integers in the item's base unit.
struct Event {
  std::uint64_t seq = 0;  // assigned by the recording journal, strictly increasing
  std::string event_id;   // UUIDv7, for tracing across systems
  EventType type = EventType::kCount;
  std::int64_t wall_ms = 0;  // the recording device's wall clock
  HlcStamp hlc{};            // hybrid logical clock stamp; the packed integer on the wire
  std::string user;          // who did it (badge); empty for system events
  std::string location;      // where: the counted bin, the dock, the move's source
  std::string to_location;   // putaway/move destination
  std::string sku;
  std::string lot;       // GS1 AI 10; empty when the item is not lot-tracked
  std::string expiry;    // GS1 AI 17 as YYYY-MM-DD, kept when scanned
  std::string serial;    // GS1 AI 21, kept when scanned
  std::int64_t qty = 0;  // units; signed only for adjust
  std::optional<ReasonCode> reason;
  std::string reference;  // PO/ASN for receive; free reference otherwise
  std::string session;    // count session id: counts in one session add up
  std::string task_id;    // the recount task this count or task_ack belongs to
  std::string barcode;    // the raw scanned text, so an unresolved scan is never lost
  std::string system;     // snapshot: the connected system that reported it

  bool operator==(const Event&) const = default;
};

// Whether an event is recorded, or a draft whose seq, event_id, wall_ms and hlc its journal has
// yet to assign.
enum class EventStage { kRecorded, kDraft };

// Checks the per-type rules of DESIGN §3 and docs/protocol.md (required fields, quantity signs
// and range, code lengths). Reports the first offending field by its wire name. A draft's
// journal-assigned fields are not checked.
Result<void> validate(const Event& event, EventStage stage = EventStage::kRecorded);

}  // namespace recount
