// recount-agent as a daemon (`recount-agent run`): the journal, the broker link and its sync, the
// hub's catalogs and task lists, and retention, wired on one io_context, with the start and the
// orderly stop that the executable and the tests share.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "agent/catalog/catalog_feed.hpp"
#include "agent/catalog/catalog_store.hpp"
#include "agent/config/link_settings.hpp"
#include "agent/daemon/retention.hpp"
#include "agent/journal/journal.hpp"
#include "agent/sync/sync.hpp"
#include "shared/core/hlc.hpp"
#include "shared/crypto/ed25519.hpp"

namespace recount::agent {

struct AgentOptions {
  std::filesystem::path data_dir;
  std::optional<std::string> site;    // required on first use of data_dir (Journal::open)
  std::optional<std::string> device;  // required on first use of data_dir
  // Applied to the link settings stored in data_dir before connecting (update_link: a new URI
  // replaces them all, other members one by one); empty: connect as stored.
  LinkChanges link;
  // The hub's public key (PEM, `run --hub-key`), stored in data_dir on first use
  // (trusted_hub_key); none: the one stored, if any.
  std::optional<std::filesystem::path> hub_key_file;
  // A key given as such (a provisioning bundle's), used when hub_key_file is not given; stored
  // like it. `hub_key_origin` names where it came from in a conflict.
  std::optional<crypto::PublicKey> hub_key;
  std::string hub_key_origin;
  RetentionOptions retention;
  WallClock wall = system_wall_clock();  // the journal's clock
};

// Not thread-safe: everything runs on `io`, which must have one thread. Create, start(), run the
// io_context; stop() from a handler on it (a signal, a test) and io.run() returns once the
// cancelled handlers ran. Destroy the daemon after io.run() has returned. `out` and `err` must
// outlive it: `out` gets what the hub's catalogs and task lists did (CatalogFeed), `err` the
// problems the daemon works around (a failed prune; Sync logs its own).
//
// Without a hub key the agent still syncs its events but applies no catalog or task list
// (fail-closed, DESIGN §9); create() says so on `err`.
class AgentDaemon {
 public:
  // Opens the journal and the catalog cache of data_dir, applies options.link to the stored link
  // settings and loads the trusted hub key. Blocks on file I/O. Errors:
  //   those of Journal::open, update_link and CatalogStore::open;
  //   trusted_hub_key's (the key file is unusable or conflicts with the stored key), as is with
  //   the message prefixed "--hub-key: ".
  static Result<std::unique_ptr<AgentDaemon>> create(boost::asio::io_context& io, AgentOptions options,
                                                     std::ostream& out, std::ostream& err);
  AgentDaemon(const AgentDaemon&) = delete;
  AgentDaemon& operator=(const AgentDaemon&) = delete;

  // Prunes the journal (then again every retention.every), takes the hub's catalogs and task
  // lists, and connects to the broker (retrying until it answers) to send what the hub has not
  // acked. Call once.
  void start();

  // Stops orderly: publishes the device's offline status and disconnects (bounded wait, Sync::stop),
  // and cancels every timer. Blocks at most for that wait. Call once, after start().
  void stop();

  // One line for systemd's STATUS=: "syncing, backlog 12" while the broker link is up, "broker
  // down, retrying, backlog 12" while it is not; the backlog is the events the hub has not
  // acknowledged. Reads the journal's watermarks (two small queries).
  std::string status_line();

  const JournalIdentity& identity() const { return journal_.identity(); }
  const StoredLink& link() const { return link_; }
  const std::optional<crypto::PublicKey>& hub_key() const { return hub_key_; }

 private:
  AgentDaemon(boost::asio::io_context& io, Journal journal, CatalogStore catalog, StoredLink link,
              std::optional<crypto::PublicKey> hub_key, const RetentionOptions& retention, std::ostream& out,
              std::ostream& err);

  Journal journal_;       // before everything that holds it
  CatalogStore catalog_;  // before feed_
  StoredLink link_;
  std::optional<crypto::PublicKey> hub_key_;
  Retention retention_;
  Sync sync_;  // before feed_, which installs its handlers
  CatalogFeed feed_;
};

}  // namespace recount::agent
