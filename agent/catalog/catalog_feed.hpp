// Connects the sync's retained catalog and task topics to the catalog cache: newer catalogs are
// stored, new recount tasks are stored and acknowledged with a task_ack event in the journal. It
// also notes the link state in the cache every few seconds, for the scan UI's status line.
#pragma once

#include <chrono>
#include <iosfwd>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "agent/sync/sync.hpp"

namespace recount::agent {

// Runs on the Sync's io_context; not thread-safe. Every object passed in must outlive it.
// Catalog versions at or below the one held are ignored. Problems (a store that cannot be
// written) are reported on `log` and the message is dropped; the retained message comes again
// on the next connect.
class CatalogFeed {
 public:
  static constexpr std::chrono::seconds kLinkNoteInterval{2};

  CatalogFeed(boost::asio::io_context& io, Sync& sync, Journal& journal, CatalogStore& store, std::ostream& log);
  // Installs the Sync's handlers and starts noting the link state.
  void start();
  void stop();

 private:
  void note_link();

  Sync& sync_;
  Journal& journal_;
  CatalogStore& store_;
  std::ostream& log_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace recount::agent
