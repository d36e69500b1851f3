// The shared write path: settle, record, commit, publish.
#include "hub/writes/hub_writer.hpp"

#include <algorithm>
#include <iostream>
#include <iterator>
#include <utility>

#include "shared/protocol/codec.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

Result<void> record_effects(LedgerWrite& write, reconcile::Effects& effects, std::int64_t now_ms) {
  for (const auto& adjustment : effects.adjustments) {
    if (auto stored = write.record_hub_event(adjustment.site, adjustment.event, now_ms); !stored) {
      return stored.error();
    }
  }
  for (auto& note : effects.audit) {
    if (auto ok = write.audit(std::move(note.kind), std::move(note.subject), std::move(note.detail)); !ok) return ok;
  }
  return {};
}

Result<std::vector<std::string>> settle_and_commit(LedgerWrite& write, reconcile::Reconciler& reconciler,
                                                   reconcile::Effects effects, std::int64_t now_ms) {
  if (auto ok = record_effects(write, effects, now_ms); !ok) return ok.error();
  auto settled = reconciler.settle(now_ms);
  if (!settled) return settled.error();
  if (auto ok = record_effects(write, *settled, now_ms); !ok) return ok.error();
  if (auto ok = write.commit(); !ok) return ok.error();
  // Both lists are sorted without repeats; their union is too.
  std::vector<std::string> sites;
  std::set_union(effects.task_sites.begin(), effects.task_sites.end(), settled->task_sites.begin(),
                 settled->task_sites.end(), std::back_inserter(sites));
  return sites;
}

void publish_task_list(mqtt::Link& link, reconcile::Reconciler& reconciler, const std::string& site) {
  auto tasks = reconciler.task_list(site);
  if (!tasks) {
    std::cerr << "recount-hub: tasks of " << site << ": " << tasks.error().describe() << '\n';
    return;
  }
  link.publish(mqtt::Message{protocol::tasks_topic(site), protocol::encode(*tasks), true}, mqtt::Qos::kAtLeastOnce);
}

HubWriter::HubWriter(Ledger& ledger, reconcile::Reconciler& reconciler, mqtt::Link& link, WallClock wall)
    : ledger_(ledger), reconciler_(reconciler), link_(link), wall_(std::move(wall)) {}

Result<void> HubWriter::write(const Change& change) {
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  const std::int64_t now_ms = wall_();
  auto effects = change(*write, now_ms);
  if (!effects) return effects.error();
  auto sites = settle_and_commit(*write, reconciler_, std::move(*effects), now_ms);
  if (!sites) return sites.error();
  for (const auto& site : *sites) publish_task_list(link_, reconciler_, site);
  return {};
}

Result<void> HubWriter::settle() {
  return write([](LedgerWrite&, std::int64_t) -> Result<reconcile::Effects> { return reconcile::Effects{}; });
}

}  // namespace recount::hub
