// The agent's catalog cache in the journal database: newer versions only, GTIN lookups in any
// length, labels and names, tasks with their acknowledgements, unresolved scans.
#include "agent/catalog/catalog_store.hpp"

#include <doctest/doctest.h>

#include "agent/journal/journal.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

struct Cache {
  testing::TempDir dir;
  Journal journal = Journal::open(dir.path(), std::string("store-1"), std::string("dev-1")).value();
  CatalogStore store = CatalogStore::open(dir.path()).value();
};

protocol::Catalog catalog(std::uint64_t version, const std::string& sku) {
  return protocol::Catalog{"store-1",
                           version,
                           {{sku, "Widget", 189, "grocery", {{"05901234123457", 1}, {"15901234123454", 12}}}},
                           {{"A-01", "LOC-A-01", "shelf"}},
                           {}};
}

}  // namespace

TEST_CASE("the cache keeps a catalog only when its version is newer than the one held") {
  Cache cache;
  CHECK(cache.store.catalog_version().value() == 0);
  CHECK(cache.store.store_catalog(catalog(5, "SKU-1")).value());
  CHECK_FALSE(cache.store.store_catalog(catalog(4, "SKU-OLD")).value());
  CHECK_FALSE(cache.store.store_catalog(catalog(5, "SKU-SAME")).value());
  CHECK(cache.store.catalog_version().value() == 5);
  CHECK(cache.store.find_barcode("5901234123457").value()->sku == "SKU-1");
  CHECK(cache.store.store_catalog(catalog(6, "SKU-2")).value());
  CHECK(cache.store.find_barcode("5901234123457").value()->sku == "SKU-2");  // replaced whole
}

TEST_CASE("a GTIN is found in any of its lengths, a case with its pack size, a location by label or name") {
  Cache cache;
  REQUIRE(cache.store.store_catalog(catalog(1, "SKU-1")).value());
  CHECK(cache.store.find_barcode("05901234123457").value()->pack_qty == 1);
  CHECK(cache.store.find_barcode("15901234123454").value()->pack_qty == 12);
  CHECK_FALSE(cache.store.find_barcode("5901234123458").value().has_value());
  CHECK(cache.store.find_location("LOC-A-01").value()->location == "A-01");
  CHECK(cache.store.find_location("A-01").value()->label == "LOC-A-01");
  CHECK_FALSE(cache.store.find_location("B-99").value().has_value());
}

TEST_CASE("the cache keeps the site's users with their PIN hashes, and a newer catalog replaces them") {
  Cache cache;
  REQUIRE(cache.store.store_catalog(catalog(1, "SKU-1")).value());
  CHECK_FALSE(cache.store.has_users().value());  // a catalog without users
  auto with_users = catalog(2, "SKU-1");
  with_users.users = {{"B-0193", "Ann Lee", "counter", "pbkdf2-sha256$10000$c2FsdA==$aGFzaA=="},
                      {"B-0200", "", "", ""}};
  REQUIRE(cache.store.store_catalog(with_users).value());
  CHECK(cache.store.has_users().value());
  CHECK(cache.store.find_user("B-0193").value() == with_users.users[0]);
  CHECK(cache.store.find_user("B-0200").value() == with_users.users[1]);
  CHECK_FALSE(cache.store.find_user("b-0193").value().has_value());  // badges match exactly
  // Reopened from the file: kept durably.
  auto reopened = CatalogStore::open(cache.dir.path()).value();
  CHECK(reopened.find_user("B-0193").value()->name == "Ann Lee");
  // Users removed at the hub disappear with the next catalog.
  REQUIRE(cache.store.store_catalog(catalog(3, "SKU-1")).value());
  CHECK_FALSE(cache.store.has_users().value());
  CHECK_FALSE(cache.store.find_user("B-0193").value().has_value());
}

// Takes a task list as the catalog feed does: the acks of the tasks not acknowledged yet and the
// list, in one journal transaction. The ids acknowledged; nullopt when the list was not newer.
std::optional<std::vector<std::string>> take(Cache& cache, const protocol::TaskList& list) {
  const auto fresh = cache.store.tasks_to_ack(list).value();
  if (!fresh) return std::nullopt;
  std::vector<Event> acks(fresh->size());
  for (std::size_t index = 0; index < acks.size(); ++index) {
    acks[index].type = EventType::kTaskAck;
    acks[index].task_id = (*fresh)[index];
  }
  const auto recorded = cache.journal
                            .record_all(std::move(acks),
                                        [&](storage::Database& database, const std::vector<Event>& stored) {
                                          return CatalogStore::store_tasks(database, list, stored);
                                        })
                            .value();
  std::vector<std::string> ids;
  ids.reserve(recorded.size());
  for (const auto& ack : recorded) ids.push_back(ack.task_id);
  return ids;
}

TEST_CASE("a newer task list is stored with acks of the tasks not acknowledged yet, and withdrawn tasks disappear") {
  Cache cache;
  protocol::TaskList first{
      "store-1", 1, {{"rt-2", "B-02", "", "", 1, "", "", 20}, {"rt-1", "A-01", "", "", 1, "alice", "", 10}}};
  CHECK(take(cache, first) == std::vector<std::string>{"rt-1", "rt-2"});  // by creation time
  const auto journaled = cache.journal.pending_from(1, 10).value();
  REQUIRE(journaled.size() == 2);
  CHECK(journaled[0].type == EventType::kTaskAck);
  CHECK(journaled[0].task_id == "rt-1");
  CHECK_FALSE(take(cache, first).has_value());  // same version: ignored

  protocol::TaskList second{
      "store-1", 2, {{"rt-1", "A-01", "", "", 2, "alice", "", 10}, {"rt-3", "C-03", "", "", 1, "", "", 30}}};
  CHECK(take(cache, second) == std::vector<std::string>{"rt-3"});
  const auto tasks = cache.store.open_tasks().value();
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].round == 2);
  CHECK(tasks[1].task_id == "rt-3");
  CHECK_FALSE(cache.store.find_task("rt-2").value().has_value());
  CHECK(cache.journal.pending_from(1, 10).value().size() == 3);
}

TEST_CASE("a task whose ack was never recorded is acknowledged with the next list") {
  Cache cache;
  protocol::TaskList first{"store-1", 1, {{"rt-1", "A-01", "", "", 1, "", "", 10}}};
  REQUIRE(cache.journal
              .record_all({},
                          [&](storage::Database& database, const std::vector<Event>& stored) {
                            return CatalogStore::store_tasks(database, first, stored);
                          })
              .has_value());
  CHECK(cache.store.find_task("rt-1").value().has_value());
  protocol::TaskList second{"store-1", 2, {{"rt-1", "A-01", "", "", 2, "", "", 10}}};
  CHECK(take(cache, second) == std::vector<std::string>{"rt-1"});
  CHECK(take(cache, protocol::TaskList{"store-1", 3, second.tasks}) == std::vector<std::string>{});  // acked now
}

TEST_CASE("a list stored meanwhile by another process rolls back the acks recorded with an older one") {
  Cache cache;
  protocol::TaskList older{"store-1", 1, {{"rt-1", "A-01", "", "", 1, "", "", 10}}};
  const auto fresh = cache.store.tasks_to_ack(older).value();
  REQUIRE(fresh.has_value());
  // Between the read and the write, a newer list arrives through another connection.
  protocol::TaskList newer{"store-1", 2, {{"rt-2", "B-02", "", "", 1, "", "", 20}}};
  CHECK(take(cache, newer) == std::vector<std::string>{"rt-2"});

  Event ack;
  ack.type = EventType::kTaskAck;
  ack.task_id = "rt-1";
  const auto recorded =
      cache.journal.record_all({ack}, [&](storage::Database& database, const std::vector<Event>& stored) {
        return CatalogStore::store_tasks(database, older, stored);
      });
  REQUIRE_FALSE(recorded.has_value());
  CHECK(recorded.error().code == ErrorCode::kConflict);
  CHECK(cache.journal.pending_from(1, 10).value().size() == 1);  // only rt-2's ack
  CHECK_FALSE(cache.store.find_task("rt-1").value().has_value());
  CHECK(cache.store.find_task("rt-2").value().has_value());
}

TEST_CASE("unresolved scans are kept with their context until claimed resolved, and claimed only once") {
  Cache cache;
  UnresolvedScan scan;
  scan.wall_ms = 1'800'000'000'000;
  scan.barcode = "777";
  scan.mode = "receive";
  scan.user = "rita";
  scan.location = "DOCK-1";
  scan.reference = "PO-1";
  const auto id = cache.store.add_unresolved(scan).value();
  auto listed = cache.store.unresolved(CatalogStore::Listing::kWaiting).value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].reference == "PO-1");
  CHECK(listed[0].to_location.empty());
  CHECK(cache.store.unresolved(CatalogStore::Listing::kUnreported).value().size() == 1);
  Event found;
  found.type = EventType::kAdjust;
  found.location = "DOCK-1";
  found.sku = "SKU-1";
  found.qty = 1;
  found.reason = ReasonCode::kFound;
  const auto claim = [&](storage::Database& database, const std::vector<Event>& events) {
    return CatalogStore::claim_unresolved(database, id, CatalogStore::Claim::kResolved, events.front().seq);
  };
  const auto recorded = cache.journal.record_all({found}, claim).value();
  CHECK(cache.store.unresolved(CatalogStore::Listing::kWaiting).value().empty());
  CHECK(cache.store.unresolved(CatalogStore::Listing::kAll).value()[0].resolved_seq == recorded.front().seq);
  // Claimed again (another process got there first): the claim fails and its event rolls back.
  const auto again = cache.journal.record_all({found}, claim);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(cache.journal.last_seq() == recorded.front().seq);
}

}  // namespace recount::agent
