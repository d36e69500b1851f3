// What the floor may hold of the hub's publications, kept where a ledger that goes back in time
// cannot lose it: on the broker.
//
// Devices apply only a task list or catalog whose version is newer than the one they hold. A
// ledger that went back in time (a failover to a standby that lagged, a restore from a backup)
// holds older versions than devices took, and what the hub sends next would not reach them until
// its versions pass theirs. The hub must know what it sent; a hub that runs through the rewind
// remembers, but one started afresh (systemd restarting it, another hub taking the lease, a
// restore whose replaced database is gone) knows only the ledger's. So before a list or catalog
// goes out, a signed record of the highest versions its site was sent is retained on
// recount/hub/v1/published/{site}: {"kind":"recount.published","v":1,"site":…,"tasks":…,
// "catalog":…,"sig":…} (protocol::sign_payload). Published ahead of the list on the same
// connection, it reaches the broker first: a list the broker holds is never newer than its site's
// record. Every hub subscribes to the records, so each connection reads them back, and live ones
// tell the hubs that do not publish what the owner sent.
//
// The read-back ends with a marker: once connected the hub publishes a message to a topic of its
// own, and the broker sends the retained records that the subscription brought before it (it
// queues a connection's messages in order). Until then no record is published, so one from a hub
// that knows less never replaces a higher one; the owner publishes its lists and catalogs after
// it, having raised what the ledger lost (HubDaemon::carry_published_versions). A broker that does not
// echo the marker within `read_back_timeout` (the hub paused its delivery under a backlog, or it
// does not let the hub read its own topic) is not waited for longer; a record read after that
// still counts, and says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared/core/result.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

inline constexpr std::string_view kPublishedFilter = "recount/hub/v1/published/+";

// The highest versions a site was sent; 0: none.
struct SitePublished {
  std::int64_t tasks = 0;
  std::uint64_t catalog = 0;
  friend bool operator==(const SitePublished&, const SitePublished&) = default;
};

// The record of `site` as published, signed with `key`.
std::string sign_published(const std::string& site, const SitePublished& versions, const crypto::SigningKey& key);
// A record read back: its site and versions, when `key` signed it. Errors (kInvalidInput, naming
// the field): no signature of `key`, not a record, a site that is not an identifier, a version
// that is not a counter.
Result<std::pair<std::string, SitePublished>> read_published(std::string_view payload, const crypto::PublicKey& key);

// Runs on the link's io_context. Not thread-safe. `link` and `key` must outlive it, and it must
// outlive the handlers it posted (destroy it after the io_context has stopped running).
class PublishedVersions {
 public:
  PublishedVersions(boost::asio::io_context& io, mqtt::Link& link, const crypto::SigningKey& key,
                    std::chrono::milliseconds read_back_timeout = std::chrono::seconds(5));
  PublishedVersions(const PublishedVersions&) = delete;
  PublishedVersions& operator=(const PublishedVersions&) = delete;

  // Subscribes to the records and to this hub's marker. `read_back` runs on each connection once
  // the records the broker retains were read (or the broker did not say within the timeout);
  // `raised` whenever a record read after that raises what is known.
  void start(std::function<void()> read_back, std::function<void()> raised);
  // Call on every connection to the broker: publishes the marker.
  void connected();
  // Takes a record or this hub's marker; false for any other message, which is not its.
  bool receive(const mqtt::Message& message);
  // Cancels the read-back's timer; no callback runs after this. Part of an orderly shutdown.
  void stop();
  // Whether this connection's records were read back.
  bool read_back() const { return read_back_; }

  // Call before a list or catalog of `site` with `version` goes out: the record covers it first.
  void sending_tasks(const std::string& site, std::int64_t version);
  void sending_catalog(const std::string& site, std::uint64_t version);

  // By site, the highest versions sent by this hub or read back from the broker.
  const std::map<std::string, SitePublished>& sites() const { return known_; }
  // The highest catalog version any site was sent.
  std::uint64_t catalog() const;

 private:
  void publish(const std::string& site);
  void finish_read_back();

  mqtt::Link& link_;
  const crypto::SigningKey& key_;
  std::chrono::milliseconds read_back_timeout_;
  std::string marker_topic_;  // this hub's own: recount/hub/v1/read-back/{random}
  std::uint64_t connection_ = 0;
  bool read_back_ = false;
  bool stopped_ = false;
  std::function<void()> on_read_back_;
  std::function<void()> on_raised_;
  std::map<std::string, SitePublished> known_;  // sent, or read back
  boost::asio::steady_timer timeout_;
};

}  // namespace recount::hub
