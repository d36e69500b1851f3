// Catalog publication: every site's catalog from one reading, sent a window at a time.
#include "hub/writes/catalog_publisher.hpp"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "shared/domain/limits.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/signed_payload.hpp"
#include "shared/protocol/topics.hpp"

namespace recount::hub {

CatalogPublisher::CatalogPublisher(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key,
                                   Ledger::Opener open_reader, std::size_t bytes_in_flight)
    : link_(link),
      catalog_(catalog),
      signing_key_(signing_key),
      window_bytes_(bytes_in_flight),
      reader_(std::make_shared<Reader>(std::move(open_reader))) {}

Result<SiteCatalogs> CatalogPublisher::Reader::read(const std::vector<std::string>& sites) {
  if (connection) {
    auto read = read_site_catalogs(*connection, sites, kWholeCatalogItems, kItemsPerPass);
    if (read) return read;
    // Kept since an earlier reading, it may have lost its server since (a restart, a failover to a
    // standby, after which the hub republishes at once): once more on a new connection.
    connection.reset();
  }
  auto opened = open();
  if (!opened) return opened.error();
  connection = std::move(*opened);
  auto read = read_site_catalogs(*connection, sites, kWholeCatalogItems, kItemsPerPass);
  if (!read) connection.reset();
  return read;
}

void CatalogPublisher::changed() { send_all(Chunks::kChanged); }

void CatalogPublisher::republish() {
  // A new connection: what the last one had in flight is acknowledged there or never.
  ++window_;
  bytes_in_flight_ = 0;
  send_all(Chunks::kAll);
}

void CatalogPublisher::send_all(Chunks chunks) {
  jobs_.clear();
  sending_.reset();
  if (chunks == Chunks::kAll) all_chunks_ = true;
  if (!link_.connected()) return;
  auto sites = catalog_.sites();
  if (!sites) {
    std::cerr << "recount-hub: catalog: " << sites.error().describe() << std::endl;
    return;
  }
  // A site sent a catalog before keeps getting one, without its locations if the catalog has none
  // now: after the ledger went back in time to before the site's first import, its devices must
  // not keep the locations it lost.
  sent_sites_.insert(sites->begin(), sites->end());
  const std::uint64_t reading = ++readings_;
  asked_ = std::chrono::steady_clock::now();
  reader_->latest.store(reading);
  worker_.submit([reader = reader_, reading, sites = std::vector<std::string>(sent_sites_.begin(), sent_sites_.end()),
                  &io = link_.io(), alive = std::weak_ptr<const bool>(alive_), this] {
    if (reader->latest.load() != reading) return;  // a newer reading is queued behind this one
    auto read = reader->read(sites);
    boost::asio::post(io, [alive, this, reading, read = std::move(read)]() mutable {
      if (alive.lock()) queue(reading, std::move(read));
    });
  });
}

void CatalogPublisher::queue(std::uint64_t reading, Result<SiteCatalogs> read) {
  if (reading != readings_) return;  // overtaken: the newer reading names what is current
  if (!read) {
    std::cerr << "recount-hub: catalog: " << read.error().describe() << std::endl;
    return;
  }
  const Chunks chunks = std::exchange(all_chunks_, false) ? Chunks::kAll : Chunks::kChanged;
  auto items = std::make_shared<Items>();
  items->whole.items = std::move(read->items);
  items->chunks = std::move(read->chunks);
  for (auto& site : read->sites) jobs_.push_back(SiteJob{items, std::move(site), chunks, std::nullopt, 0});
  if (!jobs_.empty()) sending_ = Sending{jobs_.front().catalog.version, jobs_.size(), chunks, 0, 0, asked_};
  pump();
}

void CatalogPublisher::pump() {
  while (!jobs_.empty() && bytes_in_flight_ < window_bytes_) {
    if (!link_.connected()) {  // the next connection sends it all again
      jobs_.clear();
      sending_.reset();
      return;
    }
    if (!step(jobs_.front())) jobs_.pop_front();
  }
  if (jobs_.empty() && bytes_in_flight_ == 0 && sending_) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - sending_->started;
    // A new connection's republication says so: an operator reading the log after an outage sees
    // that nothing new was published.
    std::cerr << "recount-hub: catalog version " << sending_->version
              << (sending_->chunks == Chunks::kAll ? " sent again to " : " published to ") << sending_->sites
              << " site(s): " << sending_->messages << " message(s), " << sending_->bytes << " bytes in "
              << took.count() << " s" << std::endl;
    sending_.reset();
  }
}

bool CatalogPublisher::step(SiteJob& job) {
  const std::string& site = job.catalog.site;
  Items& items = *job.items;
  if (!job.manifest) {  // the job's first message
    if (on_sending_) on_sending_(site, job.catalog.version);
    if (!items.chunks) {
      // The items are whole: the site's catalog goes as one message when it fits.
      protocol::Catalog& whole = items.whole;
      whole.site = site;
      whole.version = job.catalog.version;
      whole.locations = job.catalog.locations;
      whole.users = job.catalog.users;
      auto payload = protocol::sign_payload(protocol::encode(whole), signing_key_);
      if (payload.size() <= limits::kMaxCatalogPayloadBytes) {
        send(mqtt::Message{protocol::catalog_topic(site), std::move(payload), true});
        clear_chunks(site, {});
        return false;
      }
      items.chunks = protocol::chunk_items(whole.items);  // once, for every site over the limit
      // Later sites go in chunks too: they differ from this one only in locations and users.
    }
    job.manifest = protocol::manifest_of(job.catalog, *items.chunks);
    auto manifest = protocol::sign_payload(protocol::encode(*job.manifest), signing_key_);
    if (manifest.size() > limits::kMaxCatalogPayloadBytes) {
      std::cerr << "recount-hub: catalog manifest of " << site << " is " << manifest.size()
                << " bytes (its locations and users), over the limit of devices; not published" << std::endl;
      return false;
    }
    // The manifest first: a device stores chunks as they come and applies the version once the
    // manifest's chunks are all in, whichever arrives first.
    send(mqtt::Message{protocol::catalog_topic(site), std::move(manifest), true});
    return true;
  }
  auto& published = published_[site];
  while (job.next < items.chunks->size()) {
    const auto& ref = job.manifest->chunks[job.next];
    const auto& chunk = (*items.chunks)[job.next++];
    auto& held = published[ref.id];
    if (job.chunks == Chunks::kChanged && held == ref.sha256) continue;
    held = ref.sha256;
    send(mqtt::Message{protocol::catalog_chunk_topic(site, ref.id), chunk.payload(site), true});
    return true;
  }
  std::set<std::string> named;
  for (const auto& ref : job.manifest->chunks) named.insert(ref.id);
  clear_chunks(site, named);
  return false;
}

void CatalogPublisher::send(mqtt::Message message) {
  const std::size_t bytes = message.payload.size();
  bytes_in_flight_ += bytes;
  if (sending_) {
    ++sending_->messages;
    sending_->bytes += bytes;
  }
  // Acknowledged or failed alike, the message has left the window; a failure is a lost
  // connection, whose successor republishes everything.
  link_.publish(std::move(message), mqtt::Qos::kAtLeastOnce, [this, bytes, window = window_](const Result<void>&) {
    if (window != window_) return;
    bytes_in_flight_ -= bytes;
    pump();
  });
}

void CatalogPublisher::clear_chunks(const std::string& site, const std::set<std::string>& keep) {
  auto held = published_.find(site);
  if (held == published_.end()) return;
  for (auto chunk = held->second.begin(); chunk != held->second.end();) {
    if (keep.contains(chunk->first)) {
      ++chunk;
      continue;
    }
    link_.publish(mqtt::Message{protocol::catalog_chunk_topic(site, chunk->first), "", true}, mqtt::Qos::kAtLeastOnce);
    chunk = held->second.erase(chunk);
  }
  if (held->second.empty()) published_.erase(held);
}

}  // namespace recount::hub
