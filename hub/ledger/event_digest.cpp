// The canonical encoding of events rows and their digest.
#include "hub/ledger/event_digest.hpp"

#include <string_view>

#include "shared/storage/event_columns.hpp"

namespace recount::hub {
namespace {

constexpr int kColumnCount = 6 + storage::kEventDetailCount + 3;

void put_null(std::string& out) { out.push_back('n'); }

void put_text(std::string& out, std::string_view text) {
  out.push_back('t');
  out.append(std::to_string(text.size())).push_back(':');
  out.append(text);
}

void put_integer(std::string& out, std::int64_t value) { put_text(out, std::to_string(value)); }

// As Statement::bind_optional stores it.
void put_optional(std::string& out, std::string_view text) {
  if (text.empty()) {
    put_null(out);
  } else {
    put_text(out, text);
  }
}

}  // namespace

nlohmann::json to_json(const EventsDigest& digest) { return {{"count", digest.count}, {"sha256", digest.sha256}}; }

std::optional<EventsDigest> recorded_events(const nlohmann::json& detail) {
  if (!detail.is_object()) return std::nullopt;
  const auto member = detail.find(kEventsMember);
  if (member == detail.end() || !member->is_object()) return std::nullopt;
  const auto count = member->find("count");
  const auto sha256 = member->find("sha256");
  if (count == member->end() || !count->is_number_unsigned() || sha256 == member->end() || !sha256->is_string()) {
    return std::nullopt;
  }
  return EventsDigest{count->get<std::uint64_t>(), sha256->get<std::string>()};
}

const std::string& EventDigester::columns() {
  static const std::string kColumns = "device, epoch, seq, event_id, type, site, " +
                                      std::string(storage::kEventDetailColumns) + ", wall_ms, hlc, received_ms";
  return kColumns;
}

const std::string& EventDigester::select_in_storage_order() {
  static const std::string kSelect = "SELECT " + columns() + " FROM events ORDER BY rowid";
  return kSelect;
}

const std::string& EventDigester::select_page_in_storage_order() {
  static const std::string kSelect =
      "SELECT " + columns() + ", rowid FROM events WHERE rowid > ?1 ORDER BY rowid LIMIT ?2";
  return kSelect;
}

int EventDigester::key_column() { return kColumnCount; }

void EventDigester::add(const Origin& origin, const Event& event, std::int64_t received_ms) {
  row_.clear();
  put_text(row_, origin.device);
  put_text(row_, origin.epoch);
  put_integer(row_, static_cast<std::int64_t>(event.seq));
  put_text(row_, event.event_id);
  put_text(row_, to_string(event.type));
  put_text(row_, origin.site);
  // The detail columns in storage::kEventDetailColumns order, as storage::bind_event_details binds them.
  put_optional(row_, event.user);
  put_optional(row_, event.location);
  put_optional(row_, event.to_location);
  put_optional(row_, event.sku);
  put_optional(row_, event.lot);
  put_optional(row_, event.expiry);
  put_optional(row_, event.serial);
  put_integer(row_, event.qty);
  put_optional(row_, event.reason ? to_string(*event.reason) : std::string_view());
  put_optional(row_, event.reference);
  put_optional(row_, event.session);
  put_optional(row_, event.task_id);
  put_optional(row_, event.barcode);
  put_optional(row_, event.system);
  put_integer(row_, event.wall_ms);
  put_integer(row_, static_cast<std::int64_t>(event.hlc.packed));
  put_integer(row_, received_ms);
  add_encoded();
}

void EventDigester::add_row(const storage::Statement& row) {
  row_.clear();
  for (int column = 0; column < kColumnCount; ++column) {
    if (row.column_is_null(column)) {
      put_null(row_);
    } else {
      put_text(row_, row.column_text(column));
    }
  }
  add_encoded();
}

void EventDigester::add_encoded() {
  hash_.update(row_);
  ++count_;
}

EventsDigest EventDigester::finish() {
  EventsDigest digest{count_, hash_.hex()};
  count_ = 0;
  return digest;
}

}  // namespace recount::hub
