// HLC stamps in reconciliation: the one place that reads an event's stamp and the one that
// writes it, and the stamp's form in SQLite (an INTEGER: `packed` fits, see below).
#pragma once

#include <cstdint>

#include "shared/core/hlc.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub::reconcile {

// The stamp of an event. Event::hlc is becoming an HlcStamp itself; this is the one spot that
// changes when it does.
inline HlcStamp stamp_of(const Event& event) { return HlcStamp{event.hlc}; }
// Stamps an event (the hub's adjustments take the stamp of the count they correct).
inline void set_stamp(Event& event, HlcStamp stamp) { event.hlc = stamp.packed; }

// Stamps stay far below 2^63 until the year 10889, so they fit SQLite's signed integers and
// keep their order there.
inline std::int64_t sql_stamp(HlcStamp stamp) { return static_cast<std::int64_t>(stamp.packed); }
inline HlcStamp stamp_from_sql(std::int64_t value) { return HlcStamp{static_cast<std::uint64_t>(value)}; }

}  // namespace recount::hub::reconcile
