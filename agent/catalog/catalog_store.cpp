// The agent's catalog cache, open tasks and unresolved scans.
#include "agent/catalog/catalog_store.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "agent/catalog/catalog_schema.hpp"
#include "agent/journal/journal.hpp"
#include "shared/core/memory.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/gtin.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::agent {
namespace {

protocol::RecountTask read_task(const storage::Statement& row) {
  protocol::RecountTask task;
  task.task_id = row.column_text(0);
  task.location = row.column_text(1);
  task.sku = row.column_text(2);
  task.lot = row.column_text(3);
  task.round = static_cast<std::uint32_t>(row.column_int(4));
  task.exclude_user = row.column_text(5);
  task.hint = row.column_text(6);
  task.created_ms = row.column_int(7);
  // Written from TaskKind's own names only (store_tasks()).
  task.kind = protocol::parse_task_kind(row.column_text(8)).value_or(protocol::TaskKind::kRecount);
  return task;
}

constexpr const char* kTaskColumns = "task_id, location, sku, lot, round, exclude_user, hint, created_ms, kind";

// catalog_meta's value of `key`, 0 when it has none.
Result<std::uint64_t> read_meta(storage::Database& database, const char* key) {
  auto query = database.prepare("SELECT value FROM catalog_meta WHERE key = ?");
  if (!query) return query.error();
  query->bind(1, std::string_view(key));
  auto row = query->step();
  if (!row) return row.error();
  return *row ? static_cast<std::uint64_t>(query->column_int(0)) : 0;
}

Result<void> write_meta(storage::Database& database, const char* key, std::uint64_t value) {
  auto update = database.prepare("INSERT OR REPLACE INTO catalog_meta(key, value) VALUES(?, ?)");
  if (!update) return update.error();
  return update->bind(1, std::string_view(key)).bind(2, static_cast<std::int64_t>(value)).run();
}

}  // namespace

std::string normalize_barcode(const std::string& code) {
  if (is_valid_gtin(code)) {
    if (auto gtin = normalize_gtin(code)) return *gtin;
  }
  return code;
}

Result<CatalogStore> CatalogStore::open(const std::filesystem::path& directory) {
  auto database = storage::Database::open(directory / Journal::kFileName, storage::OpenMode::kExistingOnly,
                                          storage::Durability::kFull, Journal::kApplicationId);
  if (!database) return database.error();
  const storage::SchemaComponent components[] = {catalog_schema()};
  if (auto ok = storage::migrate(*database, components); !ok) return ok.error();
  // A large catalog's load writes hundreds of MB through this connection in one transaction: a
  // small page cache (SQLite spills the rest to the WAL) keeps it within the device's memory.
  // 128 KiB loaded 500,000 items no slower than 512 KiB did (docs/performance.md, "After: catalog
  // chunks read an item at a time"); lookups read a few pages each.
  if (auto ok = database->execute("PRAGMA cache_size = -128"); !ok) return ok.error();
  return CatalogStore(std::move(*database));
}

Result<std::uint64_t> CatalogStore::meta(const char* key) { return read_meta(database_, key); }

Result<void> CatalogStore::set_meta(const char* key, std::uint64_t value) { return write_meta(database_, key, value); }

Result<std::uint64_t> CatalogStore::catalog_version() { return meta("catalog_version"); }

Result<CatalogStore::ItemWriter> CatalogStore::ItemWriter::prepare(storage::Database& database) {
  auto item =
      database.prepare("INSERT OR REPLACE INTO catalog_items(sku, description, item_class, chunk) VALUES(?, ?, ?, ?)");
  auto barcode =
      database.prepare("INSERT OR REPLACE INTO catalog_barcodes(code, sku, pack_qty, chunk) VALUES(?, ?, ?, ?)");
  if (!item) return item.error();
  if (!barcode) return barcode.error();
  return ItemWriter(std::move(*item), std::move(*barcode));
}

Result<void> CatalogStore::ItemWriter::write(const protocol::CatalogItem& entry, const std::string& chunk) {
  if (auto ok = item_.bind(1, entry.sku)
                    .bind_optional(2, entry.description)
                    .bind_optional(3, entry.item_class)
                    .bind_optional(4, chunk)
                    .run();
      !ok) {
    return ok.error();
  }
  for (const auto& code : entry.barcodes) {
    if (auto ok = barcode_.bind(1, normalize_barcode(code.code))
                      .bind(2, entry.sku)
                      .bind(3, code.pack_qty)
                      .bind_optional(4, chunk)
                      .run();
        !ok) {
      return ok.error();
    }
  }
  return {};
}

Result<void> CatalogStore::replace_locations_and_users(const std::vector<protocol::CatalogLocation>& locations,
                                                       const std::vector<protocol::CatalogUser>& users) {
  if (auto ok = database_.execute("DELETE FROM catalog_locations; DELETE FROM catalog_users;"); !ok) return ok;
  auto location =
      database_.prepare("INSERT OR REPLACE INTO catalog_locations(location, label, location_class) VALUES(?, ?, ?)");
  auto user = database_.prepare("INSERT OR REPLACE INTO catalog_users(badge, name, role, pin_hash) VALUES(?, ?, ?, ?)");
  if (!location) return location.error();
  if (!user) return user.error();
  for (const auto& entry : users) {
    if (auto ok = user->bind(1, entry.badge)
                      .bind_optional(2, entry.name)
                      .bind_optional(3, entry.role)
                      .bind_optional(4, entry.pin_hash)
                      .run();
        !ok) {
      return ok;
    }
  }
  for (const auto& entry : locations) {
    if (auto ok = location->bind(1, entry.location)
                      .bind_optional(2, entry.label)
                      .bind_optional(3, entry.location_class)
                      .run();
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<bool> CatalogStore::store_catalog(const protocol::Catalog& catalog) {
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  auto held = meta("catalog_version");
  if (!held) return held.error();
  if (catalog.version <= *held) return false;
  if (auto ok = database_.execute(
          "DELETE FROM catalog_items; DELETE FROM catalog_barcodes; DELETE FROM catalog_chunks_held;");
      !ok) {
    return ok.error();
  }
  {
    auto writer = ItemWriter::prepare(database_);
    if (!writer) return writer.error();
    for (const auto& item : catalog.items) {
      if (auto ok = writer->write(item, ""); !ok) return ok.error();
    }
  }
  if (auto ok = replace_locations_and_users(catalog.locations, catalog.users); !ok) return ok.error();
  if (auto ok = set_meta("catalog_version", catalog.version); !ok) return ok.error();
  if (auto ok = transaction->commit(); !ok) return ok.error();
  return true;
}

Result<bool> CatalogStore::receive_chunk(const std::string& chunk_id, const std::string& payload) {
  if (!protocol::parse_catalog_chunk_id(chunk_id)) return invalid("chunk", "'" + chunk_id + "' is not a chunk id");
  if (payload.empty()) {
    auto drop = database_.prepare("DELETE FROM catalog_chunks_received WHERE chunk = ?");
    if (!drop) return drop.error();
    if (auto ok = drop->bind(1, chunk_id).run(); !ok) return ok.error();
    return false;
  }
  if (payload.size() > limits::kMaxCatalogChunkBytes) {
    return invalid("chunk", "chunk " + chunk_id + " is " + std::to_string(payload.size()) +
                                " bytes, over the limit of " + std::to_string(limits::kMaxCatalogChunkBytes));
  }
  const std::string hash = sha256_hex(payload);
  auto held = database_.prepare("SELECT 1 FROM catalog_chunks_held WHERE chunk = ? AND sha256 = ?");
  if (!held) return held.error();
  held->bind(1, chunk_id).bind(2, hash);
  auto row = held->step();
  if (!row) return row.error();
  if (*row) return false;
  auto keep =
      database_.prepare("INSERT OR REPLACE INTO catalog_chunks_received(chunk, sha256, payload) VALUES(?, ?, ?)");
  if (!keep) return keep.error();
  if (auto ok = keep->bind(1, chunk_id).bind(2, hash).bind_blob(3, payload).run(); !ok) return ok.error();
  return true;
}

Result<void> CatalogStore::delete_chunk(const std::string& chunk) {
  auto items = database_.prepare("DELETE FROM catalog_items WHERE chunk = ?");
  auto barcodes = database_.prepare("DELETE FROM catalog_barcodes WHERE chunk = ?");
  if (!items) return items.error();
  if (!barcodes) return barcodes.error();
  if (auto ok = items->bind(1, chunk).run(); !ok) return ok;
  return barcodes->bind(1, chunk).run();
}

Result<std::size_t> CatalogStore::apply_chunk(const protocol::CatalogManifest& manifest,
                                              const protocol::CatalogChunkRef& ref) {
  std::string bytes;
  {  // the statement is finalised before the chunk's rows are written
    auto payload = database_.prepare("SELECT payload FROM catalog_chunks_received WHERE chunk = ? AND sha256 = ?");
    if (!payload) return payload.error();
    payload->bind(1, ref.id).bind(2, ref.sha256);
    auto row = payload->step();
    if (!row) return row.error();
    bytes = payload->column_text(0);
  }
  // The chunk's items go to the table as they are read, one at a time: memory holds the chunk's
  // text and one item, not the items (docs/performance.md, "The agent's memory"). An item that
  // does not read fails the chunk, and the caller's transaction takes back what was written.
  auto writer = ItemWriter::prepare(database_);
  if (!writer) return writer.error();
  std::size_t items = 0;
  std::optional<Error> refused;  // the writes' own errors, not the payload's
  auto read = protocol::read_catalog_chunk_payload(
      bytes,
      [&](const protocol::CatalogChunkHeader& header) -> Result<void> {
        if (header.site != manifest.site || header.id != ref.id) {
          refused = invalid("chunk " + ref.id, "carries chunk " + header.id + " of site " + header.site);
        } else if (auto ok = delete_chunk(ref.id); !ok) {
          refused = ok.error();
        }
        return refused ? Result<void>(*refused) : Result<void>();
      },
      [&](std::size_t, protocol::CatalogItem&& item) -> Result<void> {
        ++items;
        if (auto ok = writer->write(item, ref.id); !ok) refused = ok.error();
        return refused ? Result<void>(*refused) : Result<void>();
      });
  if (refused) return *refused;
  if (!read) return read.error().within("chunk " + ref.id);
  auto note = database_.prepare("INSERT OR REPLACE INTO catalog_chunks_held(chunk, sha256) VALUES(?, ?)");
  if (!note) return note.error();
  if (auto ok = note->bind(1, ref.id).bind(2, ref.sha256).run(); !ok) return ok.error();
  return items;
}

Result<CatalogStore::ManifestOutcome> CatalogStore::store_manifest(const protocol::CatalogManifest& manifest) {
  using Kind = ManifestOutcome::Kind;
  auto transaction = storage::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  auto version = meta("catalog_version");
  if (!version) return version.error();
  if (manifest.version <= *version) return ManifestOutcome{};
  std::map<std::string, std::string> held;
  {
    auto query = database_.prepare("SELECT chunk, sha256 FROM catalog_chunks_held");
    if (!query) return query.error();
    auto rows = storage::collect_rows<std::pair<std::string, std::string>>(*query, [](const storage::Statement& row) {
      return std::pair{row.column_text(0), row.column_text(1)};
    });
    if (!rows) return rows.error();
    held.insert(rows->begin(), rows->end());
  }
  std::vector<const protocol::CatalogChunkRef*> changed;
  ManifestOutcome outcome;
  {
    auto received = database_.prepare("SELECT 1 FROM catalog_chunks_received WHERE chunk = ? AND sha256 = ?");
    if (!received) return received.error();
    for (const auto& ref : manifest.chunks) {
      if (auto it = held.find(ref.id); it != held.end() && it->second == ref.sha256) continue;
      received->bind(1, ref.id).bind(2, ref.sha256);
      auto row = received->step();
      if (!row) return row.error();
      received->reset();
      if (*row) {
        changed.push_back(&ref);
      } else {
        ++outcome.missing;
      }
    }
  }
  if (outcome.missing > 0) return ManifestOutcome{Kind::kWaiting, outcome.missing};
  // Items of a whole catalog held before, and of chunks the manifest no longer names, go.
  if (auto ok = database_.execute(
          "DELETE FROM catalog_items WHERE chunk IS NULL; DELETE FROM catalog_barcodes WHERE chunk IS NULL;");
      !ok) {
    return ok.error();
  }
  std::set<std::string> named;
  for (const auto& ref : manifest.chunks) named.insert(ref.id);
  for (const auto& [id, hash] : held) {
    if (named.contains(id)) continue;
    if (auto ok = delete_chunk(id); !ok) return ok.error();
    auto forget = database_.prepare("DELETE FROM catalog_chunks_held WHERE chunk = ?");
    if (!forget) return forget.error();
    if (auto ok = forget->bind(1, id).run(); !ok) return ok.error();
  }
  // The chunks came through the MQTT client's thread, whose allocator arena keeps the pages they
  // were received in: handed back before the load's own buffers are taken, they do not add up.
  release_free_memory();
  for (const auto* ref : changed) {
    auto items = apply_chunk(manifest, *ref);
    if (!items) return items.error();
  }
  if (auto ok = replace_locations_and_users(manifest.locations, manifest.users); !ok) return ok.error();
  if (auto ok = database_.execute("DELETE FROM catalog_chunks_received WHERE (chunk, sha256) IN "
                                  "(SELECT chunk, sha256 FROM catalog_chunks_held)");
      !ok) {
    return ok.error();
  }
  if (auto ok = set_meta("catalog_version", manifest.version); !ok) return ok.error();
  if (auto ok = transaction->commit(); !ok) return ok.error();
  outcome.kind = Kind::kStored;
  outcome.applied = changed.size();
  for (const auto& ref : manifest.chunks) outcome.items += ref.items;
  return outcome;
}

Result<std::optional<BarcodeMatch>> CatalogStore::find_barcode(const std::string& code) {
  auto query = database_.prepare(
      "SELECT b.sku, COALESCE(i.description, ''), b.pack_qty FROM catalog_barcodes b "
      "LEFT JOIN catalog_items i ON i.sku = b.sku WHERE b.code = ?");
  if (!query) return query.error();
  query->bind(1, normalize_barcode(code));
  auto row = query->step();
  if (!row) return row.error();
  if (!*row) return std::optional<BarcodeMatch>{};
  return std::optional<BarcodeMatch>{BarcodeMatch{query->column_text(0), query->column_text(1), query->column_int(2)}};
}

Result<std::optional<protocol::CatalogLocation>> CatalogStore::find_location(const std::string& text) {
  auto query = database_.prepare(
      "SELECT location, COALESCE(label, ''), COALESCE(location_class, '') FROM catalog_locations "
      "WHERE label = ?1 OR location = ?1 ORDER BY label = ?1 DESC LIMIT 1");
  if (!query) return query.error();
  query->bind(1, text);
  auto row = query->step();
  if (!row) return row.error();
  if (!*row) return std::optional<protocol::CatalogLocation>{};
  return std::optional<protocol::CatalogLocation>{
      protocol::CatalogLocation{query->column_text(0), query->column_text(1), query->column_text(2)}};
}

Result<bool> CatalogStore::has_users() {
  auto query = database_.prepare("SELECT EXISTS (SELECT 1 FROM catalog_users)");
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  return query->column_int(0) != 0;
}

Result<std::optional<protocol::CatalogUser>> CatalogStore::find_user(const std::string& badge) {
  auto query = database_.prepare(
      "SELECT badge, COALESCE(name, ''), COALESCE(role, ''), COALESCE(pin_hash, '') FROM catalog_users WHERE badge = "
      "?");
  if (!query) return query.error();
  query->bind(1, badge);
  auto row = query->step();
  if (!row) return row.error();
  if (!*row) return std::optional<protocol::CatalogUser>{};
  return std::optional<protocol::CatalogUser>{protocol::CatalogUser{query->column_text(0), query->column_text(1),
                                                                    query->column_text(2), query->column_text(3)}};
}

Result<std::optional<std::vector<std::string>>> CatalogStore::tasks_to_ack(const protocol::TaskList& tasks) {
  auto held = meta("tasks_version");
  if (!held) return held.error();
  if (tasks.version <= *held) return std::optional<std::vector<std::string>>{};
  auto acked = database_.prepare("SELECT 1 FROM tasks WHERE task_id = ? AND acked_seq IS NOT NULL");
  if (!acked) return acked.error();
  std::vector<const protocol::RecountTask*> unacked;
  for (const auto& task : tasks.tasks) {
    auto row = acked->bind(1, task.task_id).step();
    if (!row) return row.error();
    if (!*row) unacked.push_back(&task);
    acked->reset();
  }
  std::sort(unacked.begin(), unacked.end(), [](const protocol::RecountTask* a, const protocol::RecountTask* b) {
    return std::tie(a->created_ms, a->task_id) < std::tie(b->created_ms, b->task_id);
  });
  std::vector<std::string> ids;
  ids.reserve(unacked.size());
  for (const auto* task : unacked) ids.push_back(task->task_id);
  return std::optional<std::vector<std::string>>{std::move(ids)};
}

Result<void> CatalogStore::store_tasks(storage::Database& database, const protocol::TaskList& tasks,
                                       const std::vector<Event>& acks) {
  auto held = read_meta(database, "tasks_version");
  if (!held) return held.error();
  if (tasks.version <= *held) {
    return Error{ErrorCode::kConflict, "tasks.version",
                 "task list " + std::to_string(tasks.version) + " is not newer than the " + std::to_string(*held) +
                     " stored meanwhile"};
  }
  // Tasks no longer in the list are done or withdrawn; acknowledgements of kept ones stay.
  if (auto ok = database.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_tasks (task_id TEXT PRIMARY KEY); "
                                 "DELETE FROM incoming_tasks;");
      !ok) {
    return ok.error();
  }
  {  // the statements are finalised before the caller commits
    auto incoming = database.prepare("INSERT OR IGNORE INTO incoming_tasks(task_id) VALUES(?)");
    auto upsert = database.prepare(
        "INSERT INTO tasks(task_id, location, sku, lot, round, exclude_user, hint, created_ms, kind) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET location = excluded.location, "
        "sku = excluded.sku, lot = excluded.lot, round = excluded.round, exclude_user = excluded.exclude_user, "
        "hint = excluded.hint, created_ms = excluded.created_ms, kind = excluded.kind");
    if (!incoming) return incoming.error();
    if (!upsert) return upsert.error();
    for (const auto& task : tasks.tasks) {
      if (auto ok = incoming->bind(1, task.task_id).run(); !ok) return ok.error();
      if (auto ok = upsert->bind(1, task.task_id)
                        .bind(2, task.location)
                        .bind_optional(3, task.sku)
                        .bind_optional(4, task.lot)
                        .bind(5, static_cast<std::int64_t>(task.round))
                        .bind_optional(6, task.exclude_user)
                        .bind_optional(7, task.hint)
                        .bind(8, task.created_ms)
                        .bind(9, protocol::to_string(task.kind))
                        .run();
          !ok) {
        return ok.error();
      }
    }
    auto mark = database.prepare("UPDATE tasks SET acked_seq = ? WHERE task_id = ?");
    if (!mark) return mark.error();
    for (const auto& ack : acks) {
      if (auto ok = mark->bind(1, static_cast<std::int64_t>(ack.seq)).bind(2, ack.task_id).run(); !ok) return ok;
    }
  }
  if (auto ok = database.execute("DELETE FROM tasks WHERE task_id NOT IN (SELECT task_id FROM incoming_tasks)"); !ok) {
    return ok.error();
  }
  return write_meta(database, "tasks_version", tasks.version);
}

Result<std::vector<protocol::RecountTask>> CatalogStore::open_tasks() {
  auto query = database_.prepare(std::string("SELECT ") + kTaskColumns + " FROM tasks ORDER BY created_ms, task_id");
  if (!query) return query.error();
  return storage::collect_rows<protocol::RecountTask>(*query, read_task);
}

Result<std::optional<protocol::RecountTask>> CatalogStore::find_task(const std::string& task_id) {
  auto query = database_.prepare(std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE task_id = ?");
  if (!query) return query.error();
  query->bind(1, task_id);
  auto row = query->step();
  if (!row) return row.error();
  if (!*row) return std::optional<protocol::RecountTask>{};
  return std::optional<protocol::RecountTask>{read_task(*query)};
}

Result<void> CatalogStore::note_link(LinkState state, std::int64_t now_ms) {
  if (auto ok = set_meta("link_online", state == LinkState::kOnline ? 1 : 0); !ok) return ok;
  return set_meta("link_noted_ms", static_cast<std::uint64_t>(now_ms));
}

Result<LinkNote> CatalogStore::link() {
  auto online = meta("link_online");
  if (!online) return online.error();
  auto noted = meta("link_noted_ms");
  if (!noted) return noted.error();
  return LinkNote{*online != 0 ? LinkState::kOnline : LinkState::kOffline, static_cast<std::int64_t>(*noted)};
}

Result<std::int64_t> CatalogStore::add_unresolved(const UnresolvedScan& scan) {
  return insert_unresolved(database_, scan);
}

Result<std::int64_t> CatalogStore::insert_unresolved(storage::Database& database, const UnresolvedScan& scan) {
  auto insert = database.prepare(
      "INSERT INTO unresolved_scans(wall_ms, barcode, mode, user, location, to_location, ref, reason, session, "
      "task_id, lot, expiry, serial, qty, resolved_seq, reported_seq) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0))");
  if (!insert) return insert.error();
  insert->bind(1, scan.wall_ms).bind(2, scan.barcode).bind(3, scan.mode);
  const std::string* optional_fields[] = {&scan.user,   &scan.location, &scan.to_location, &scan.reference,
                                          &scan.reason, &scan.session,  &scan.task_id,     &scan.lot,
                                          &scan.expiry, &scan.serial};
  int index = 4;
  for (const auto* field : optional_fields) insert->bind_optional(index++, *field);
  insert->bind(index, scan.qty)
      .bind(index + 1, static_cast<std::int64_t>(scan.resolved_seq))
      .bind(index + 2, static_cast<std::int64_t>(scan.reported_seq));
  if (auto ok = insert->run(); !ok) return ok.error();
  return database.last_insert_rowid();
}

Result<std::vector<UnresolvedScan>> CatalogStore::unresolved(Listing listing) {
  const char* filter = listing == Listing::kAll          ? ""
                       : listing == Listing::kUnreported ? "WHERE resolved_seq IS NULL AND reported_seq IS NULL "
                                                         : "WHERE resolved_seq IS NULL ";
  auto query = database_.prepare(
      std::string("SELECT id, wall_ms, barcode, mode, user, location, to_location, ref, reason, session, task_id, "
                  "lot, expiry, serial, qty, COALESCE(resolved_seq, 0), COALESCE(reported_seq, 0) "
                  "FROM unresolved_scans ") +
      filter + "ORDER BY id");
  if (!query) return query.error();
  return storage::collect_rows<UnresolvedScan>(*query, [](const storage::Statement& row) {
    UnresolvedScan scan;
    scan.id = row.column_int(0);
    scan.wall_ms = row.column_int(1);
    scan.barcode = row.column_text(2);
    scan.mode = row.column_text(3);
    std::string* fields[] = {&scan.user,    &scan.location, &scan.to_location, &scan.reference, &scan.reason,
                             &scan.session, &scan.task_id,  &scan.lot,         &scan.expiry,    &scan.serial};
    int index = 4;
    for (auto* field : fields) *field = row.column_text(index++);
    scan.qty = row.column_int(14);
    scan.resolved_seq = static_cast<std::uint64_t>(row.column_int(15));
    scan.reported_seq = static_cast<std::uint64_t>(row.column_int(16));
    return scan;
  });
}

Result<void> CatalogStore::claim_unresolved(storage::Database& database, std::int64_t id, Claim claim,
                                            std::uint64_t seq) {
  auto update = database.prepare(
      claim == Claim::kReported ? "UPDATE unresolved_scans SET reported_seq = ? WHERE id = ? AND reported_seq IS NULL"
                                : "UPDATE unresolved_scans SET resolved_seq = ? WHERE id = ? AND resolved_seq IS NULL");
  if (!update) return update.error();
  auto wrote = storage::wrote_row(update->bind(1, static_cast<std::int64_t>(seq)).bind(2, id));
  if (!wrote) return wrote.error();
  if (!*wrote) {
    return Error{ErrorCode::kConflict, "unresolved_scans",
                 "held scan #" + std::to_string(id) +
                     (claim == Claim::kReported ? " was already reported" : " was already applied") +
                     " (by another process)"};
  }
  return {};
}

}  // namespace recount::agent
