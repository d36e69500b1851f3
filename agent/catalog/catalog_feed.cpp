// Catalog and task feed from the sync into the cache.
#include "agent/catalog/catalog_feed.hpp"

#include <algorithm>
#include <ostream>
#include <variant>
#include <vector>

#include "agent/workflow/held_scans.hpp"
#include "shared/core/memory.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"

namespace recount::agent {

CatalogFeed::CatalogFeed(boost::asio::io_context& io, Sync& sync, Journal& journal, CatalogStore& store,
                         std::optional<crypto::PublicKey> hub_key, std::ostream& log)
    : sync_(sync), journal_(journal), store_(store), hub_key_(hub_key), log_(log), timer_(io) {}

void CatalogFeed::start() {
  sync_.on_catalog([this](const std::string& payload) { take_catalog(payload); });
  sync_.on_tasks([this](const std::string& payload) { take_tasks(payload); });
  sync_.on_catalog_chunk(
      [this](const std::string& chunk_id, const std::string& payload) { take_catalog_chunk(chunk_id, payload); });
  // Scans held by an agent before the report existed reach the hub now, and scans a catalog
  // stored before a crash made known are applied now.
  if (auto reported = report_held_scans(journal_, store_); !reported) {
    log_ << "recount-agent: held scans not reported: " << reported.error().describe() << std::endl;
  } else if (*reported > 0) {
    log_ << "recount-agent: " << *reported << " held scan(s) reported to the hub" << std::endl;
  }
  apply_held();
  note_link();
}

void CatalogFeed::apply_held() {
  auto run = apply_held_scans(journal_, store_);
  if (!run) {
    log_ << "recount-agent: held scans not applied: " << run.error().describe() << std::endl;
    return;
  }
  for (const auto& failed : run->failed) {
    log_ << "recount-agent: held scan #" << failed.id << " not applied: " << failed.error.describe() << std::endl;
  }
  for (const auto& applied : run->applied) {
    log_ << "recount-agent: held scan #" << applied.id << " " << applied.barcode << " applied as " << applied.sku
         << " (seq " << applied.seq << ")" << std::endl;
  }
  if (!run->applied.empty()) sync_.wake();
}

std::optional<std::string> CatalogFeed::signed_text(std::string_view payload, Refusal kind, std::string_view what) {
  auto text = hub_key_ ? protocol::verified_payload(payload, *hub_key_)
                       : Result<std::string>(Error{ErrorCode::kNotFound, "hub-key",
                                                   "no hub key is known, so nothing unsigned is applied (provision "
                                                   "the device: recount-agent run --hub-key FILE)"});
  if (text) return std::move(*text);
  log_ << "recount-agent: " << what << " refused: " << text.error().describe() << std::endl;
  if (auto ok = journal_.count_refusal(kind); !ok) log_ << "recount-agent: " << ok.error().describe() << std::endl;
  return std::nullopt;
}

void CatalogFeed::take_catalog(std::string_view payload) {
  auto text = signed_text(payload, Refusal::kCatalog, "catalog");
  if (!text) return;
  auto message = protocol::decode_catalog_message(*text);
  if (!message) {
    log_ << "recount-agent: " << message.error().within("catalog").describe() << std::endl;
    return;
  }
  if (auto* manifest = std::get_if<protocol::CatalogManifest>(&*message)) {
    if (manifest->site != journal_.identity().site) return;
    manifest_ = std::move(*manifest);
    store_manifest(true);
    return;
  }
  const auto& catalog = std::get<protocol::Catalog>(*message);
  if (catalog.site != journal_.identity().site) return;
  auto stored = store_.store_catalog(catalog);
  if (!stored) {
    log_ << "recount-agent: catalog not stored: " << stored.error().describe() << std::endl;
  } else if (*stored) {
    manifest_.reset();
    log_ << "recount-agent: catalog version " << catalog.version << " stored (" << catalog.items.size() << " items, "
         << catalog.locations.size() << " locations)" << std::endl;
    apply_held();
  }
}

void CatalogFeed::take_catalog_chunk(const std::string& chunk_id, const std::string& payload) {
  auto received = store_.receive_chunk(chunk_id, payload);
  if (!received) {
    log_ << "recount-agent: catalog chunk not kept: " << received.error().describe() << std::endl;
    return;
  }
  if (!*received || !manifest_) return;
  const auto named = std::find_if(manifest_->chunks.begin(), manifest_->chunks.end(),
                                  [&](const protocol::CatalogChunkRef& ref) { return ref.id == chunk_id; });
  if (named == manifest_->chunks.end()) return;
  if (named->sha256 != sha256_hex(payload)) {
    log_ << "recount-agent: catalog chunk " << chunk_id << " is not the one catalog version " << manifest_->version
         << " names (its SHA-256 differs); kept, not applied" << std::endl;
    return;
  }
  store_manifest(false);
}

void CatalogFeed::store_manifest(bool arrived) {
  const auto version = manifest_->version;
  auto outcome = store_.store_manifest(*manifest_);
  if (!outcome) {
    log_ << "recount-agent: catalog version " << version << " not stored: " << outcome.error().describe() << std::endl;
    manifest_.reset();
    return;
  }
  using Kind = CatalogStore::ManifestOutcome::Kind;
  switch (outcome->kind) {
    case Kind::kStale: manifest_.reset(); return;
    case Kind::kWaiting:
      if (arrived) {
        log_ << "recount-agent: catalog version " << version << " waits for " << outcome->missing << " of "
             << manifest_->chunks.size() << " chunks" << std::endl;
      }
      return;
    case Kind::kStored:
      log_ << "recount-agent: catalog version " << version << " stored (" << outcome->items << " items in "
           << manifest_->chunks.size() << " chunks, " << outcome->applied << " of them new; "
           << manifest_->locations.size() << " locations)" << std::endl;
      manifest_.reset();
      apply_held();
      // The load's buffers (a chunk's text, SQLite's spilled pages) are free now; without this
      // the allocator keeps their pages, and the agent idles at its load's peak.
      release_free_memory();
      return;
  }
}

void CatalogFeed::take_tasks(std::string_view payload) {
  auto text = signed_text(payload, Refusal::kTaskList, "task list");
  if (!text) return;
  auto tasks = protocol::decode_task_list(*text);
  if (!tasks) {
    log_ << "recount-agent: " << tasks.error().within("tasks").describe() << std::endl;
    return;
  }
  if (tasks->site != journal_.identity().site) return;
  auto fresh = store_.tasks_to_ack(*tasks);
  if (!fresh) {
    log_ << "recount-agent: tasks not stored: " << fresh.error().describe() << std::endl;
    return;
  }
  if (!*fresh) return;  // not newer than the list held
  // The list and an ack for each task it brought in one commit: a list can carry many, a commit
  // each made the floor's devices the bottleneck under load, and a commit for the list, one for
  // the acks and one to mark them put three synchronous writes between a count on one device and
  // its recount on another (docs/performance.md).
  std::vector<Event> acks((*fresh)->size());
  for (std::size_t index = 0; index < acks.size(); ++index) {
    acks[index].type = EventType::kTaskAck;
    acks[index].task_id = (**fresh)[index];
  }
  auto recorded =
      journal_.record_all(std::move(acks), [&](storage::Database& database, const std::vector<Event>& stored) {
        return CatalogStore::store_tasks(database, *tasks, stored);
      });
  if (!recorded) {
    log_ << "recount-agent: task list " << tasks->version << " not stored: " << recorded.error().describe()
         << std::endl;
    return;
  }
  if (recorded->empty()) return;
  sync_.wake();
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
