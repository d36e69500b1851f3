// Wiring and shutdown of `recount-agent run`.
#include "agent/daemon/agent_daemon.hpp"

#include <ostream>
#include <utility>

#include "agent/sync/hub_key.hpp"

namespace recount::agent {
namespace {

SyncOptions sync_options(const StoredLink& link) {
  SyncOptions options;
  options.broker_uri = link.uri;
  options.broker_security = link.security;
  return options;
}

}  // namespace

Result<std::unique_ptr<AgentDaemon>> AgentDaemon::create(boost::asio::io_context& io, AgentOptions options,
                                                         std::ostream& out, std::ostream& err) {
  auto journal = Journal::open(options.data_dir, options.site, options.device, std::move(options.wall));
  if (!journal) return journal.error();
  auto link = update_link(options.data_dir, options.link);
  if (!link) return link.error();
  auto hub_key = options.hub_key_file ? trusted_hub_key(options.data_dir, options.hub_key_file)
                                      : trusted_hub_key(options.data_dir, options.hub_key, options.hub_key_origin);
  if (!hub_key) {
    const auto& error = hub_key.error();
    return Error{error.code, "", "--hub-key: " + error.describe()};
  }
  auto catalog = CatalogStore::open(options.data_dir);
  if (!catalog) return catalog.error();
  if (!*hub_key) {
    err << "recount-agent: WARNING: no hub key in " << (options.data_dir / kHubKeyFile).string()
        << ": catalogs and task lists will be refused until the device is provisioned with --hub-key FILE "
           "(the hub's `recountctl --data DIR hub-key`) or `recount-agent provision`; events are still synced\n";
  }
  return std::unique_ptr<AgentDaemon>(new AgentDaemon(io, std::move(*journal), std::move(*catalog), std::move(*link),
                                                      *hub_key, options.retention, out, err));
}

AgentDaemon::AgentDaemon(boost::asio::io_context& io, Journal journal, CatalogStore catalog, StoredLink link,
                         std::optional<crypto::PublicKey> hub_key, const RetentionOptions& retention, std::ostream& out,
                         std::ostream& err)
    : journal_(std::move(journal)),
      catalog_(std::move(catalog)),
      link_(std::move(link)),
      hub_key_(hub_key),
      retention_(io, journal_, retention, err),
      sync_(io, journal_, sync_options(link_)),
      feed_(io, sync_, journal_, catalog_, hub_key_, out) {}

void AgentDaemon::start() {
  retention_.start();
  feed_.start();
  sync_.start();
}

std::string AgentDaemon::status_line() {
  auto progress = journal_.progress();
  if (!progress) return "journal unreadable: " + progress.error().describe();
  const std::uint64_t last = journal_.last_seq();
  const std::uint64_t backlog = last > progress->acked_through ? last - progress->acked_through : 0;
  return (sync_.connected() ? "syncing, backlog " : "broker down, retrying, backlog ") + std::to_string(backlog);
}

void AgentDaemon::stop() {
  feed_.stop();
  sync_.stop();
  retention_.stop();
}

}  // namespace recount::agent
