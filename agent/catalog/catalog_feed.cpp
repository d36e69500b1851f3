// Catalog and task feed from the sync into the cache.
#include "agent/catalog/catalog_feed.hpp"

#include <ostream>
#include <vector>

namespace recount::agent {

CatalogFeed::CatalogFeed(boost::asio::io_context& io, Sync& sync, Journal& journal, CatalogStore& store,
                         std::ostream& log)
    : sync_(sync), journal_(journal), store_(store), log_(log), timer_(io) {}

void CatalogFeed::start() {
  sync_.on_catalog([this](const protocol::Catalog& catalog) {
    auto stored = store_.store_catalog(catalog);
    if (!stored) {
      log_ << "recount-agent: catalog not stored: " << stored.error().describe() << std::endl;
    } else if (*stored) {
      log_ << "recount-agent: catalog version " << catalog.version << " stored (" << catalog.items.size()
           << " items, " << catalog.locations.size() << " locations)" << std::endl;
    }
  });
  sync_.on_tasks([this](const protocol::TaskList& tasks) {
    auto fresh = store_.store_tasks(tasks);
    if (!fresh) {
      log_ << "recount-agent: tasks not stored: " << fresh.error().describe() << std::endl;
      return;
    }
    if (fresh->empty()) return;
    // One commit for every task the list brought: a list can carry many, and a commit each
    // made the floor's devices, not the hub, the bottleneck under load (docs/performance.md).
    std::vector<Event> acks(fresh->size());
    for (std::size_t index = 0; index < acks.size(); ++index) {
      acks[index].type = EventType::kTaskAck;
      acks[index].task_id = (*fresh)[index];
    }
    auto recorded = journal_.record_all(std::move(acks));
    if (!recorded) {
      log_ << "recount-agent: " << fresh->size() << " task(s) not acknowledged: " << recorded.error().describe()
           << std::endl;
      return;
    }
    // Unmarked, a task is acknowledged again with the next list: the hub keeps the first ack.
    if (auto ok = store_.mark_tasks_acked(*recorded); !ok) {
      log_ << "recount-agent: " << ok.error().describe() << std::endl;
    }
    sync_.wake();
  });
  note_link();
}

void CatalogFeed::stop() {
  stopped_ = true;
  timer_.cancel();
  // Noted as never: the scan UI then says the sync is not running.
  (void)store_.note_link(LinkState::kOffline, 0);
}

void CatalogFeed::note_link() {
  if (stopped_) return;
  const auto state = sync_.connected() ? LinkState::kOnline : LinkState::kOffline;
  if (auto ok = store_.note_link(state, journal_.wall_now()); !ok) {
    log_ << "recount-agent: " << ok.error().describe() << std::endl;
  }
  timer_.expires_after(kLinkNoteInterval);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) note_link();
  });
}

}  // namespace recount::agent
