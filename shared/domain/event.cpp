// Event types, reason codes and the per-type validation rules.
#include "shared/domain/event.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "shared/core/random_id.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 13> kEventTypeNames{{
    {EventType::kCount, "count"},
    {EventType::kLocationClosed, "location_closed"},
    {EventType::kReceive, "receive"},
    {EventType::kPutaway, "putaway"},
    {EventType::kMove, "move"},
    {EventType::kAdjust, "adjust"},
    {EventType::kSale, "sale"},
    {EventType::kShip, "ship"},
    {EventType::kTaskAck, "task_ack"},
    {EventType::kSnapshot, "snapshot"},
    {EventType::kBaseline, "baseline"},
    {EventType::kUnknownBarcode, "unknown_barcode"},
    {EventType::kBarcodeApplied, "barcode_applied"},
}};

constexpr std::array<std::pair<ReasonCode, std::string_view>, 12> kReasonNames{{
    {ReasonCode::kDamage, "damage"},
    {ReasonCode::kExpired, "expired"},
    {ReasonCode::kTheft, "theft"},
    {ReasonCode::kFound, "found"},
    {ReasonCode::kReturn, "return"},
    {ReasonCode::kDataEntryError, "data_entry_error"},
    {ReasonCode::kUomError, "uom_error"},
    {ReasonCode::kCountError, "count_error"},
    {ReasonCode::kMisplaced, "misplaced"},
    {ReasonCode::kReceivingError, "receiving_error"},
    {ReasonCode::kShrinkage, "shrinkage"},
    {ReasonCode::kOther, "other"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [candidate, name] : table) {
    if (name == text) return candidate;
  }
  return std::nullopt;
}

Result<void> require_quantity(const Event& event, std::int64_t minimum) {
  if (event.qty < minimum || event.qty > limits::kMaxQuantity) {
    return invalid("qty",
                   "must be between " + std::to_string(minimum) + " and " + std::to_string(limits::kMaxQuantity));
  }
  return {};
}

Result<void> require_present(std::string_view field, const std::string& value) {
  if (value.empty()) return invalid(std::string(field), "is required for this event type");
  return {};
}

// YYYY-MM-DD naming a day the calendar has (no 2027-02-31).
bool is_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int year = std::stoi(text.substr(0, 4));
  const auto month = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  const auto day = static_cast<unsigned>(std::stoi(text.substr(8, 2)));
  return std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}}.ok();
}

// Field shapes common to every type: lengths, encodings, id formats.
Result<void> validate_shapes(const Event& event, EventStage stage) {
  if (stage == EventStage::kRecorded) {
    if (event.seq == 0) return invalid("seq", "must be at least 1");
    if (!is_uuid(event.event_id)) return invalid("event_id", "must be a lowercase UUID");
    if (event.wall_ms <= 0) return invalid("wall_ms", "must be a positive Unix time in milliseconds");
  }
  const std::pair<std::string_view, const std::string*> codes[] = {
      {"user", &event.user}, {"location", &event.location}, {"to", &event.to_location},
      {"sku", &event.sku},   {"lot", &event.lot},           {"serial", &event.serial},
  };
  for (const auto& [field, value] : codes) {
    if (auto ok = validate_code(field, *value, limits::kMaxCode, Presence::kOptional); !ok) return ok;
  }
  const std::pair<std::string_view, const std::string*> references[] = {
      {"ref", &event.reference},
      {"session", &event.session},
      {"task_id", &event.task_id},
      {"system", &event.system},
  };
  for (const auto& [field, value] : references) {
    if (auto ok = validate_code(field, *value, limits::kMaxReference, Presence::kOptional); !ok) return ok;
  }
  if (auto ok = validate_code("barcode", event.barcode, limits::kMaxBarcode, Presence::kOptional); !ok) return ok;
  if (!event.expiry.empty() && !is_iso_date(event.expiry)) return invalid("expiry", "must be a date YYYY-MM-DD");
  return {};
}

}  // namespace

std::string_view to_string(EventType type) { return name_of(kEventTypeNames, type); }
std::optional<EventType> parse_event_type(std::string_view text) { return value_of(kEventTypeNames, text); }
std::string_view to_string(ReasonCode reason) { return name_of(kReasonNames, reason); }
std::optional<ReasonCode> parse_reason_code(std::string_view text) { return value_of(kReasonNames, text); }

bool device_may_record(EventType type) { return type != EventType::kSnapshot && type != EventType::kBaseline; }

Result<void> validate(const Event& event, EventStage stage) {
  if (auto ok = validate_shapes(event, stage); !ok) return ok;
  switch (event.type) {
    case EventType::kCount:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      // Counts in one session add up, so within a session a negative count corrects the
      // session's tally (the scan UI's #undo and #qty); outside a session a count is never negative.
      if (event.qty < 0 && !event.session.empty()) {
        if (event.qty < -limits::kMaxQuantity)
          return invalid("qty", "a correction must be at least -" + std::to_string(limits::kMaxQuantity));
        return {};
      }
      return require_quantity(event, 0);
    case EventType::kLocationClosed: return require_present("location", event.location);
    case EventType::kReceive:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      return require_quantity(event, 1);
    case EventType::kPutaway:
    case EventType::kMove:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("to", event.to_location); !ok) return ok;
      if (event.to_location == event.location) return invalid("to", "must differ from location");
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      return require_quantity(event, 1);
    case EventType::kAdjust:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      if (!event.reason) return invalid("reason", "is required for an adjustment");
      if (event.qty == 0) return invalid("qty", "an adjustment must change stock (non-zero delta)");
      if (event.qty > limits::kMaxQuantity || event.qty < -limits::kMaxQuantity) {
        return invalid("qty", "must be between -" + std::to_string(limits::kMaxQuantity) + " and " +
                                  std::to_string(limits::kMaxQuantity));
      }
      return {};
    case EventType::kSale:
    case EventType::kShip:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      return require_quantity(event, 1);
    case EventType::kTaskAck: return require_present("task_id", event.task_id);
    case EventType::kSnapshot:
      if (auto ok = require_present("system", event.system); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      // A system may report less than nothing (Shopify's oversold stock): it is compared as is.
      return require_quantity(event, -limits::kMaxQuantity);
    case EventType::kBaseline:
      if (auto ok = require_present("location", event.location); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      return require_quantity(event, 0);
    case EventType::kUnknownBarcode:
      // qty: how many scans of the barcode this held scan stands for.
      if (auto ok = require_present("barcode", event.barcode); !ok) return ok;
      return require_quantity(event, 1);
    case EventType::kBarcodeApplied:
      // qty: how many held scans of the barcode were applied as events of this SKU.
      if (auto ok = require_present("barcode", event.barcode); !ok) return ok;
      if (auto ok = require_present("sku", event.sku); !ok) return ok;
      return require_quantity(event, 1);
  }
  return invalid("type", "unknown event type");
}

}  // namespace recount
