// What the audit log records of the events it covers (DESIGN §7): a hash over a canonical
// encoding of every column of their rows in the events table, in the order they were stored, so
// that verification can recompute it from the table and tell an edited, deleted or inserted row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/ledger/event_store.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/event.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

// The digest of a run of stored events, as an audit entry's detail carries it:
// "events": {"count": N, "sha256": "<64 hex digits>"}.
struct EventsDigest {
  std::uint64_t count = 0;
  std::string sha256;
};

// The member an audit entry's detail carries it in ("events"), and reading it back: nullopt when
// the detail has no such member or it is malformed (such an entry records no events).
inline constexpr const char* kEventsMember = "events";
nlohmann::json to_json(const EventsDigest& digest);
std::optional<EventsDigest> recorded_events(const nlohmann::json& detail);

// Hashes events one by one. The encoding of a row is each of its columns in declaration order
// (columns()), each as "n" for NULL or as "t<length>:<text>" for the value as SQLite renders it as
// text (integers in decimal); 23 columns a row, so no two different runs of rows share it.
// Movable; not thread-safe.
class EventDigester {
 public:
  // The columns of events in declaration order, for the SELECT whose rows add_row() reads.
  static const std::string& columns();
  // SELECT of those columns of every row of events, in the order they were stored (the table is
  // append-only, so its rowid only grows).
  static const std::string& select_in_storage_order();
  // The same a page at a time (storage::KeysetPages): the rows after the rowid ?1, at most ?2,
  // with their rowid after columns(), in column key_column().
  static const std::string& select_page_in_storage_order();
  static int key_column();

  // Adds an event as EventStore::insert stores it: empty detail text is stored as NULL.
  void add(const Origin& origin, const Event& event, std::int64_t received_ms);
  // Adds a row selected with columns() as its first columns.
  void add_row(const storage::Statement& row);

  std::uint64_t count() const { return count_; }
  // The digest of the events added since construction or the last finish(); starts over.
  EventsDigest finish();

 private:
  void add_encoded();

  Sha256 hash_;
  std::string row_;  // the row being encoded, kept to reuse its buffer
  std::uint64_t count_ = 0;
};

}  // namespace recount::hub
