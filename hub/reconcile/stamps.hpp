// HLC stamps in reconciliation's SQL: the write side keeps bounds and windows as the INTEGER form
// of a stamp (`packed` fits, see below), and converts at its edges here.
#pragma once

#include <cstdint>

#include "shared/core/hlc.hpp"

namespace recount::hub::reconcile {

// Stamps stay far below 2^63 until the year 10889, so they fit SQLite's signed integers and
// keep their order there.
inline std::int64_t sql_stamp(HlcStamp stamp) { return static_cast<std::int64_t>(stamp.packed); }
inline HlcStamp stamp_from_sql(std::int64_t value) { return HlcStamp{static_cast<std::uint64_t>(value)}; }

}  // namespace recount::hub::reconcile
