// A realistic event stream for one device working its own aisle, for benchmarks: receipts,
// put-aways, sales, moves and cycle counts that mostly agree with the ledger.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "shared/domain/event.hpp"

namespace recount::testing {

// `count` event drafts (type, location, to, sku, qty, ref, reason, user; no seq, id or times) for
// the device working aisle `aisle`: 125 bins × 4 SKUs = 500 positions of its own, a dock door of
// its own, and a ledger it keeps itself starting from zero. About 20 % receipts at the dock, 20 %
// put-aways of what was received, 30 % sales and 5 % moves between bins of the aisle (never more
// than a position holds), 25 % cycle counts: the expected balance, except ~2 % miscounts by 1–3
// units and ~0.5 % where cases were counted as eaches (a twelfth of the balance). The same
// arguments give the same drafts. Does not block beyond the computation; no shared state.
std::vector<Event> warehouse_event_drafts(std::size_t aisle, std::size_t count, unsigned seed);

// Writes warehouse_event_drafts(aisle, count, seed) as the JSON lines `recount-agent record
// --jsonl` reads. Throws std::runtime_error when the file cannot be written.
void write_warehouse_event_lines(const std::filesystem::path& file, std::size_t aisle, std::size_t count,
                                 unsigned seed);

}  // namespace recount::testing
