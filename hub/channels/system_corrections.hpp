// Hands the corrections reconciliation decided (reconcile::Effects::corrections) to the outbox
// in the deciding transaction, in the system's own names: its SKU and location as its latest
// report spelt them (ChannelStore's snapshot facts).
#pragma once

#include <cstdint>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/effects.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::channels {

// Enqueues each correction (enqueue_correction) in `write`; one whose report has no stored facts
// (no import stored it) keeps recount's names. Errors: the outbox's and SQLite's; the caller's
// transaction then rolls back. Blocks.
Result<void> enqueue_corrections(LedgerWrite& write, const std::vector<reconcile::Correction>& corrections,
                                 std::int64_t now_ms);

}  // namespace recount::hub::channels
