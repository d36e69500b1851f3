// Event streams for tests and benchmarks: what `recount-agent record --jsonl` reads.
#pragma once

#include <cstddef>
#include <filesystem>

namespace recount::testing {

// Writes `count` JSON event lines (counts, receipts, moves and adjustments over a few locations
// and SKUs, chosen by `seed`; the same seed gives the same lines).
void write_event_lines(const std::filesystem::path& file, std::size_t count, unsigned seed);

}  // namespace recount::testing
