// What the reconciliation knows about a position (site, location, SKU, lot) as plain values: its
// key, its balance, its history. Free of storage, so CLI and HTTP code can name positions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "shared/core/hlc.hpp"

namespace recount::hub::reconcile {

struct PositionKey {
  std::string site;
  std::string location;
  std::string sku;
  std::string lot;  // "" when not lot-tracked

  auto operator<=>(const PositionKey&) const = default;
};

struct PositionView {
  std::int64_t id = 0;
  PositionKey key;
  std::int64_t on_hand = 0;
  std::int64_t movements = 0;  // movement legs recorded at the position

  bool operator==(const PositionView&) const = default;
};

struct PositionQuery {
  std::string site;  // "" for every site
  std::string sku;   // "" for every SKU
  std::int64_t after_id = 0;
  std::size_t limit = 1000;
};

// One line of a position's history in event-time order.
struct HistoryEntry {
  HlcStamp hlc;
  std::string event_id;
  std::string location;  // the position's location (a SKU's history over a site merges several)
  std::string type;      // the event type, or "location_closed" for a zero the close implied
  std::int64_t wall_ms = 0;
  std::int64_t qty = 0;      // as recorded: units moved, counted, or the baseline's balance
  std::int64_t delta = 0;    // effect on the balance (0 for counts)
  std::int64_t balance = 0;  // the balance after this line
  std::string device;
  std::string user;
  std::string reason;
  std::string reference;
  std::string session;
  std::string task_id;
  std::optional<std::int64_t> group_id;  // counts and zeros: the group they belong to
  // When the hub stored the event (the ledger's received_ms); none for an implied zero.
  std::optional<std::int64_t> arrived_ms;
  // arrived_ms − wall_ms when the event arrived after events later in event time had been
  // stored (it was late to the ledger), else 0.
  std::int64_t late_ms = 0;
};

}  // namespace recount::hub::reconcile
