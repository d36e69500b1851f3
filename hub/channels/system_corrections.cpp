// Reconciliation's corrections into the outbox.
#include "hub/channels/system_corrections.hpp"

#include "hub/channels/outbox/corrections.hpp"

namespace recount::hub::channels {

Result<void> enqueue_corrections(LedgerWrite& write, const std::vector<reconcile::Correction>& corrections,
                                 std::int64_t now_ms) {
  if (corrections.empty()) return {};
  auto names =
      write.database().prepare("SELECT system_sku, system_location FROM channel_snapshot_facts WHERE event_id = ?1");
  if (!names) return names.error();
  for (const auto& decided : corrections) {
    Correction correction{decided.system,   decided.site,           "",           decided.sku,
                          decided.quantity, decided.discrepancy_id, decided.cause};
    names->bind(1, decided.snapshot_event_id);
    auto row = names->step();
    if (!row) return row.error();
    if (*row) {
      correction.sku = names->column_text(0);
      correction.system_location = names->column_text(1);
    }
    names->reset();
    if (auto queued = enqueue_correction(write, correction, now_ms); !queued) return queued.error();
  }
  return {};
}

}  // namespace recount::hub::channels
