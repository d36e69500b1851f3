// What reconcile tests share: a hub database with the ledger's and the reconciliation tables (a
// SQLite file or a PostgreSQL database, tests/hub/storage_backends.hpp), a catalog, valid events
// at chosen times, and unwrapping of results.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "hub/ledger/schema.hpp"
#include "hub/reconcile/schema.hpp"
#include "shared/core/hlc.hpp"
#include "shared/domain/event.hpp"
#include "shared/protocol/messages.hpp"
#include "tests/hub/storage_backends.hpp"
#include "tests/support/process.hpp"

namespace recount::hub::reconcile::testing {

using recount::testing::PostgresBackend;
using recount::testing::SqliteBackend;
using recount::testing::TempDir;

inline constexpr std::int64_t kNowMs = 1'790'000'000'000;                     // the hub's injected "now"
inline constexpr std::int64_t kT0Ms = kNowMs - std::int64_t{24} * 3'600'000;  // event times are seconds after this
inline constexpr std::string_view kSite = "s1";

// The HLC stamp `seconds` after kT0Ms.
inline std::uint64_t stamp_at(double seconds) {
  return HlcStamp::from_parts(kT0Ms + static_cast<std::int64_t>(seconds * 1000), 0).packed;
}

// SKU-A: 250 cents, grocery, eaches and cases of 12. SKU-B: 10000 cents, electronics, eaches.
// are shelves, DOCK a dock.
inline protocol::Catalog test_catalog() {
  protocol::Catalog catalog;
  catalog.site = std::string(kSite);
  catalog.version = 1;
  catalog.items = {{"SKU-A", "Crispbread", 250, "grocery", {{"5901234123457", 1}, {"15901234123454", 12}}},
                   {"SKU-B", "Headphones", 10'000, "electronics", {{"4006381333931", 1}}}};
  catalog.locations = {{"A-1", "LOC:A-1", "shelf"}, {"A-2", "LOC:A-2", "shelf"}, {"DOCK", "LOC:DOCK", "dock"}};
  return catalog;
}

// Valid events with unique ids, at `seconds` after kT0Ms.
class EventMaker {
 public:
  Event baseline(const std::string& location, const std::string& sku, std::int64_t qty, double seconds) {
    return movement(EventType::kBaseline, location, sku, qty, seconds);
  }
  Event receive(const std::string& location, const std::string& sku, std::int64_t qty, double seconds) {
    return movement(EventType::kReceive, location, sku, qty, seconds);
  }
  Event sale(const std::string& location, const std::string& sku, std::int64_t qty, double seconds) {
    return movement(EventType::kSale, location, sku, qty, seconds);
  }
  Event adjust(const std::string& location, const std::string& sku, std::int64_t qty, double seconds) {
    Event event = movement(EventType::kAdjust, location, sku, qty, seconds);
    event.reason = ReasonCode::kDamage;
    return event;
  }
  Event move(const std::string& from, const std::string& to, const std::string& sku, std::int64_t qty, double seconds) {
    Event event = movement(EventType::kMove, from, sku, qty, seconds);
    event.to_location = to;
    return event;
  }
  Event count(const std::string& location, const std::string& sku, std::int64_t qty, double seconds,
              const std::string& user, const std::string& session = "", const std::string& task_id = "") {
    Event event = movement(EventType::kCount, location, sku, qty, seconds);
    event.user = user;
    event.session = session;
    event.task_id = task_id;
    return event;
  }
  Event close(const std::string& location, double seconds, const std::string& user, const std::string& session,
              const std::string& task_id = "") {
    Event event = base(EventType::kLocationClosed, seconds);
    event.location = location;
    event.user = user;
    event.session = session;
    event.task_id = task_id;
    return event;
  }
  // What a connected system reported as of `seconds` ("" location: the whole site).
  Event snapshot(const std::string& system, const std::string& location, const std::string& sku, std::int64_t qty,
                 double seconds) {
    Event event = movement(EventType::kSnapshot, location, sku, qty, seconds);
    event.system = system;
    return event;
  }
  Event ack(const std::string& task_id, double seconds) {
    Event event = base(EventType::kTaskAck, seconds);
    event.task_id = task_id;
    return event;
  }

 private:
  Event base(EventType type, double seconds) {
    Event event;
    event.seq = next_++;
    char id[37];
    std::snprintf(id, sizeof id, "0190a000-0000-7000-8000-%012llx", static_cast<unsigned long long>(event.seq));
    event.event_id = id;
    event.type = type;
    event.hlc = HlcStamp{stamp_at(seconds)};
    event.wall_ms = event.hlc.wall_ms();
    return event;
  }
  Event movement(EventType type, const std::string& location, const std::string& sku, std::int64_t qty,
                 double seconds) {
    Event event = base(type, seconds);
    event.location = location;
    event.sku = sku;
    event.qty = qty;
    return event;
  }

  std::uint64_t next_ = 1;
};

template <typename T>
T must(Result<T> result) {
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().describe()));
  return std::move(*result);
}

inline void must(Result<void> result) {
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().describe()));
}

// Gives a new hub database the ledger's tables, and the reconciliation tables unless kLedgerOnly;
// returns it.
enum class Tables { kLedgerOnly, kLedgerAndReconciliation };
inline storage::Connection& migrated(storage::Connection& database, Tables tables = Tables::kLedgerAndReconciliation) {
  must(migrate(database));
  if (tables == Tables::kLedgerAndReconciliation) must(migrate_reconcile(database));
  return database;
}

// A new hub database file, migrated.
inline storage::Database open_hub_database(const std::filesystem::path& file,
                                           Tables tables = Tables::kLedgerAndReconciliation) {
  auto database =
      must(storage::Database::open(file, storage::OpenMode::kCreateIfMissing, storage::Durability::kNormal));
  migrated(database, tables);
  return database;
}

}  // namespace recount::hub::reconcile::testing
