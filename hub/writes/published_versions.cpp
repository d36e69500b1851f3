// The records of what each site was sent, on the broker.
#include "hub/writes/published_versions.hpp"

#include <algorithm>
#include <iostream>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "shared/crypto/random.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/protocol/signed_payload.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kKind = "recount.published";
constexpr std::string_view kTopicPrefix = "recount/hub/v1/published/";
constexpr int kVersion = 1;

// A version as stored: a non-negative integer of SQL's signed 64 bits.
Result<std::int64_t> counter(const Json& object, const std::string& field) {
  const Json value = object.value(field, Json());
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()) {
    return invalid(field, "must be a version (an integer from 0 to 2^63-1)");
  }
  return value.get<std::int64_t>();
}

}  // namespace

std::string sign_published(const std::string& site, const SitePublished& versions, const crypto::SigningKey& key) {
  // Member order as written here (ordered_json), so the signed text is the documented one.
  const nlohmann::ordered_json object = {
      {"kind", kKind}, {"v", kVersion}, {"site", site}, {"tasks", versions.tasks}, {"catalog", versions.catalog}};
  return protocol::sign_payload(object.dump(), key);
}

Result<std::pair<std::string, SitePublished>> read_published(std::string_view payload, const crypto::PublicKey& key) {
  auto record = protocol::verified_record(payload, key, kKind, kVersion, "a record of published versions");
  if (!record) return record.error();
  const Json& object = *record;
  const Json site = object.value("site", Json());
  if (!site.is_string()) return invalid("site", "must be a site id");
  if (auto ok = validate_identifier("site", site.get<std::string>()); !ok) return ok.error();
  auto tasks = counter(object, "tasks");
  if (!tasks) return tasks.error();
  auto catalog = counter(object, "catalog");
  if (!catalog) return catalog.error();
  return std::pair{site.get<std::string>(), SitePublished{*tasks, static_cast<std::uint64_t>(*catalog)}};
}

PublishedVersions::PublishedVersions(boost::asio::io_context& io, mqtt::Link& link, const crypto::SigningKey& key,
                                     std::chrono::milliseconds read_back_timeout)
    : link_(link),
      key_(key),
      read_back_timeout_(read_back_timeout),
      marker_topic_("recount/hub/v1/read-back/" + crypto::random_token(12)),
      timeout_(io) {}

void PublishedVersions::start(std::function<void()> read_back, std::function<void()> raised) {
  on_read_back_ = std::move(read_back);
  on_raised_ = std::move(raised);
  link_.subscribe({std::string(kPublishedFilter), marker_topic_}, mqtt::Qos::kAtLeastOnce);
}

void PublishedVersions::connected() {
  if (stopped_) return;
  read_back_ = false;
  const std::uint64_t connection = ++connection_;
  link_.publish(mqtt::Message{marker_topic_, std::to_string(connection), false}, mqtt::Qos::kAtLeastOnce);
  timeout_.expires_after(read_back_timeout_);
  timeout_.async_wait([this, connection](const boost::system::error_code& error) {
    if (error || read_back_ || connection != connection_) return;
    std::cerr << "recount-hub: the broker did not echo this hub's marker within "
              << std::chrono::duration_cast<std::chrono::milliseconds>(read_back_timeout_).count()
              << " ms: going on with the versions read back so far" << std::endl;
    finish_read_back();
  });
}

void PublishedVersions::stop() {
  stopped_ = true;
  timeout_.cancel();
  on_read_back_ = nullptr;
  on_raised_ = nullptr;
}

bool PublishedVersions::receive(const mqtt::Message& message) {
  if (message.topic == marker_topic_) {
    if (!stopped_ && !read_back_ && message.payload == std::to_string(connection_)) finish_read_back();
    return true;
  }
  if (!message.topic.starts_with(kTopicPrefix)) return false;
  if (message.payload.empty()) return true;  // a record cleared
  auto record = read_published(message.payload, key_.public_key());
  if (!record) {
    std::cerr << "recount-hub: record " << message.topic << " ignored: " << record.error().describe() << std::endl;
    return true;
  }
  const auto& [site, versions] = *record;
  if (message.topic.substr(kTopicPrefix.size()) != site) {
    std::cerr << "recount-hub: record " << message.topic << " ignored: it names site " << site << std::endl;
    return true;
  }
  auto& held = known_[site];
  const SitePublished before = held;
  held.tasks = std::max(held.tasks, versions.tasks);
  held.catalog = std::max(held.catalog, versions.catalog);
  if (read_back_ && held != before && on_raised_) on_raised_();
  return true;
}

void PublishedVersions::finish_read_back() {
  timeout_.cancel();
  read_back_ = true;
  // Every record again, covering what was sent before the read-back ended and what a broker that
  // restarted without its retained messages forgot.
  for (const auto& [site, versions] : known_) publish(site);
  if (on_read_back_) on_read_back_();
}

void PublishedVersions::sending_tasks(const std::string& site, std::int64_t version) {
  auto& held = known_[site];
  if (version <= held.tasks) return;
  held.tasks = version;
  if (read_back_) publish(site);
}

void PublishedVersions::sending_catalog(const std::string& site, std::uint64_t version) {
  auto& held = known_[site];
  if (version <= held.catalog) return;
  held.catalog = version;
  if (read_back_) publish(site);
}

std::uint64_t PublishedVersions::catalog() const {
  std::uint64_t highest = 0;
  for (const auto& [site, versions] : known_) highest = std::max(highest, versions.catalog);
  return highest;
}

void PublishedVersions::publish(const std::string& site) {
  // Retained and QoS 1 on the connection the list takes next: the broker has it first. Should the
  // link refuse it, the list is refused too, and the next connection publishes every record again.
  link_.publish(mqtt::Message{std::string(kTopicPrefix) + site, sign_published(site, known_.at(site), key_), true},
                mqtt::Qos::kAtLeastOnce);
}

}  // namespace recount::hub
