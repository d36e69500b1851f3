// Task lists and catalogs: what the hub publishes to a site's devices, encoded and strictly decoded.
#include <limits>
#include <optional>
#include <string>
#include <unordered_set>

#include "shared/crypto/pin_hash.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/codec_common.hpp"

namespace recount::protocol {
namespace {

using codec::counter;
using codec::unix_ms;

RecountTask read_task(JsonReader& in) {
  RecountTask task;
  task.task_id = in.code("task_id", limits::kMaxReference, Presence::kRequired);
  task.location = in.code("location", limits::kMaxCode, Presence::kRequired);
  task.sku = in.code("sku", limits::kMaxCode, Presence::kOptional);
  task.lot = in.code("lot", limits::kMaxCode, Presence::kOptional);
  task.round = in.integer<std::uint32_t>("round", 1);
  task.exclude_user = in.code("exclude_user", limits::kMaxCode, Presence::kOptional);
  task.hint = in.code("hint", limits::kMaxText, Presence::kOptional);
  task.created_ms = unix_ms(in, "created_ms");
  // Absent for a recount: the lists of hubs from before planned counts carry no kind.
  task.kind = in.choice("kind", Presence::kOptional, parse_task_kind).value_or(TaskKind::kRecount);
  return task;
}

CatalogBarcode read_barcode(JsonReader& in, std::unordered_set<std::string>& seen_codes) {
  CatalogBarcode barcode;
  barcode.code = in.code("code", limits::kMaxBarcode, Presence::kRequired);
  in.distinct("code", barcode.code, seen_codes);
  barcode.pack_qty = in.integer<std::int64_t>("pack_qty", 1, limits::kMaxQuantity);
  return barcode;
}

CatalogItem read_item(JsonReader& in, std::unordered_set<std::string>& seen_skus,
                      std::unordered_set<std::string>& seen_codes) {
  CatalogItem item;
  item.sku = in.code("sku", limits::kMaxCode, Presence::kRequired);
  in.distinct("sku", item.sku, seen_skus);
  item.description = in.code("description", limits::kMaxText, Presence::kOptional);
  item.unit_cost_cents = in.integer<std::int64_t>("unit_cost_cents", 0);
  item.item_class = in.code("item_class", limits::kMaxCode, Presence::kOptional);
  item.barcodes = in.objects("barcodes", [&](JsonReader& element) { return read_barcode(element, seen_codes); });
  return item;
}

CatalogLocation read_location(JsonReader& in, std::unordered_set<std::string>& seen_locations) {
  CatalogLocation location;
  location.location = in.code("location", limits::kMaxCode, Presence::kRequired);
  in.distinct("location", location.location, seen_locations);
  location.label = in.code("label", limits::kMaxBarcode, Presence::kOptional);
  location.location_class = in.code("location_class", limits::kMaxCode, Presence::kOptional);
  return location;
}

CatalogUser read_user(JsonReader& in, std::unordered_set<std::string>& seen_badges) {
  CatalogUser user;
  user.badge = in.code("badge", limits::kMaxCode, Presence::kRequired);
  in.distinct("badge", user.badge, seen_badges);
  user.name = in.code("name", limits::kMaxText, Presence::kOptional);
  user.role = in.code("role", limits::kMaxCode, Presence::kOptional);
  user.pin_hash = in.text("pin_hash", Presence::kOptional);
  if (in.ok() && !user.pin_hash.empty()) {
    if (auto valid = crypto::check_pin_hash("pin_hash", user.pin_hash); !valid)
      in.fail(valid.error().within(in.path()));
  }
  return user;
}

void write_item(JsonWriter& element, const CatalogItem& item) {
  element.field("sku", item.sku);
  element.optional("description", item.description);
  element.field("unit_cost_cents", item.unit_cost_cents);
  element.optional("item_class", item.item_class);
  element.objects("barcodes", item.barcodes, [](JsonWriter& code, const CatalogBarcode& barcode) {
    code.field("code", barcode.code);
    code.field("pack_qty", barcode.pack_qty);
  });
}

void write_locations_and_users(JsonWriter& out, const std::vector<CatalogLocation>& locations,
                               const std::vector<CatalogUser>& users) {
  out.objects("locations", locations, [](JsonWriter& element, const CatalogLocation& location) {
    element.field("location", location.location);
    element.optional("label", location.label);
    element.optional("location_class", location.location_class);
  });
  // Omitted when empty, so a site without users gets the catalog older agents know.
  if (!users.empty()) {
    out.objects("users", users, [](JsonWriter& element, const CatalogUser& user) {
      element.field("badge", user.badge);
      element.optional("name", user.name);
      element.optional("role", user.role);
      element.optional("pin_hash", user.pin_hash);
    });
  }
}

void read_locations_and_users(JsonReader& in, std::vector<CatalogLocation>& locations,
                              std::vector<CatalogUser>& users) {
  std::unordered_set<std::string> seen_locations;
  locations = in.objects("locations", [&](JsonReader& element) { return read_location(element, seen_locations); });
  std::unordered_set<std::string> seen_badges;
  users = in.objects(
      "users", [&](JsonReader& element) { return read_user(element, seen_badges); }, limits::kMaxCatalogUsers,
      Presence::kOptional);
}

CatalogChunkRef read_chunk_ref(JsonReader& in, std::unordered_set<std::string>& seen_ids, std::uint32_t& count) {
  CatalogChunkRef chunk;
  chunk.id = in.code("id", limits::kMaxCode, Presence::kRequired);
  in.distinct("id", chunk.id, seen_ids);
  if (in.ok()) {
    const auto parsed = parse_catalog_chunk_id(chunk.id);
    if (!parsed) {
      in.fail("id", "is not a chunk id (COUNT-INDEX, COUNT a power of two up to " +
                        std::to_string(limits::kMaxCatalogChunks) + ", INDEX below it)");
    } else if (count != 0 && parsed->count != count) {
      in.fail("id",
              "counts " + std::to_string(parsed->count) + " chunks where another counts " + std::to_string(count));
    } else {
      count = parsed->count;
    }
  }
  chunk.sha256 = in.code("sha256", 64, Presence::kRequired);
  if (in.ok() && (chunk.sha256.size() != 64 || chunk.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
    in.fail("sha256", "must be 64 lowercase hex digits");
  chunk.items = counter(in, "items");
  return chunk;
}

Catalog read_catalog(JsonReader& in) {
  Catalog catalog;
  catalog.site = in.identifier("site");
  catalog.version = counter(in, "version", 1);
  std::unordered_set<std::string> seen_skus;
  std::unordered_set<std::string> seen_codes;
  catalog.items = in.objects("items", [&](JsonReader& element) { return read_item(element, seen_skus, seen_codes); });
  read_locations_and_users(in, catalog.locations, catalog.users);
  return catalog;
}

CatalogManifest read_manifest(JsonReader& in) {
  CatalogManifest manifest;
  manifest.site = in.identifier("site");
  manifest.version = counter(in, "version", 1);
  std::unordered_set<std::string> seen_ids;
  std::uint32_t count = 0;
  manifest.chunks = in.objects(
      "chunks", [&](JsonReader& element) { return read_chunk_ref(element, seen_ids, count); },
      limits::kMaxCatalogChunks);
  read_locations_and_users(in, manifest.locations, manifest.users);
  return manifest;
}

}  // namespace

std::string_view to_string(TaskKind kind) { return kind == TaskKind::kPlanned ? "planned" : "recount"; }

std::optional<TaskKind> parse_task_kind(std::string_view text) {
  if (text == "recount") return TaskKind::kRecount;
  if (text == "planned") return TaskKind::kPlanned;
  return std::nullopt;
}

std::string encode(const TaskList& tasks) {
  JsonWriter out = codec::message_writer();
  out.field("site", tasks.site);
  out.field("version", tasks.version);
  out.objects("tasks", tasks.tasks, [](JsonWriter& element, const RecountTask& task) {
    element.field("task_id", task.task_id);
    element.field("location", task.location);
    element.optional("sku", task.sku);
    element.optional("lot", task.lot);
    element.field("round", task.round);
    element.optional("exclude_user", task.exclude_user);
    element.optional("hint", task.hint);
    element.field("created_ms", task.created_ms);
    // Only a planned count says so: a recount's task stays as agents from before kinds know it.
    if (task.kind != TaskKind::kRecount) element.field("kind", to_string(task.kind));
  });
  return codec::finish_message(out);
}

std::string encode(const Catalog& catalog) {
  JsonWriter out = codec::message_writer();
  out.field("site", catalog.site);
  out.field("version", catalog.version);
  out.objects("items", catalog.items, write_item);
  write_locations_and_users(out, catalog.locations, catalog.users);
  return codec::finish_message(out);
}

std::string encode(const CatalogManifest& manifest) {
  JsonWriter out = codec::message_writer();
  out.field("site", manifest.site);
  out.field("version", manifest.version);
  out.objects("chunks", manifest.chunks, [](JsonWriter& element, const CatalogChunkRef& chunk) {
    element.field("id", chunk.id);
    element.field("sha256", chunk.sha256);
    element.field("items", chunk.items);
  });
  write_locations_and_users(out, manifest.locations, manifest.users);
  return codec::finish_message(out);
}

std::string encode(const CatalogChunk& chunk) { return encode_chunk_start(chunk) + encode_chunk_end(chunk.site); }

std::string encode_chunk_start(const CatalogChunk& chunk) {
  JsonWriter out = codec::message_writer();
  out.field("chunk", chunk.id);
  out.objects("items", chunk.items, write_item);
  return std::move(out).finish();  // left open: encode_chunk_end() adds the site and closes it
}

std::string encode_chunk_end(std::string_view site) {
  JsonWriter name;
  name.string(site);  // quoted and escaped as a member's value
  return ",\"site\":" + std::move(name).finish() + "}";
}

Result<TaskList> decode_task_list(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxPayloadBytes, [](JsonReader& in) {
    TaskList list;
    list.site = in.identifier("site");
    list.version = counter(in, "version", 1);
    std::unordered_set<std::string> seen_ids;
    list.tasks = in.objects("tasks", [&](JsonReader& element) {
      RecountTask task = read_task(element);
      element.distinct("task_id", task.task_id, seen_ids);
      return task;
    });
    return list;
  });
}

Result<Catalog> decode_catalog(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxCatalogPayloadBytes, read_catalog);
}

Result<CatalogMessage> decode_catalog_message(std::string_view payload) {
  return codec::decode_payload(payload, limits::kMaxCatalogPayloadBytes, [](JsonReader& in) -> CatalogMessage {
    if (in.find("chunks", Presence::kOptional)) return read_manifest(in);
    return read_catalog(in);
  });
}

Result<CatalogChunk> decode_catalog_chunk(std::string_view text) {
  CatalogChunk chunk;
  auto read = read_catalog_chunk(
      text,
      [&](const CatalogChunkHeader& header) -> Result<void> {
        chunk.site = header.site;
        chunk.id = header.id;
        chunk.items.reserve(header.items);
        return {};
      },
      [&](std::size_t, CatalogItem&& item) -> Result<void> {
        chunk.items.push_back(std::move(item));
        return {};
      });
  if (!read) return read.error();
  return chunk;
}

Result<void> read_catalog_chunk(std::string_view text,
                                const std::function<Result<void>(const CatalogChunkHeader&)>& header,
                                const std::function<Result<void>(std::size_t, CatalogItem&&)>& item) {
  // The document keeps the root's members and the items as elements (level 2), not what is in
  // them: each item is parsed again from its own text when its turn comes.
  constexpr std::size_t kItemLevel = 2;
  const Result<JsonDocument> document = codec::parse_object(text, limits::kMaxCatalogPayloadBytes, kItemLevel);
  if (!document) return document.error();
  if (auto version = codec::check_version(document->root()); !version) return version.error();
  JsonReader in(document->root());
  CatalogChunkHeader head;
  head.site = in.identifier("site");
  head.id = in.code("chunk", limits::kMaxCode, Presence::kRequired);
  if (in.ok() && !parse_catalog_chunk_id(head.id)) in.fail("chunk", "is not a chunk id");
  const std::optional<JsonValue> items = in.list("items", std::numeric_limits<std::size_t>::max());
  if (!in.ok()) return in.error();
  head.items = items->size();
  if (auto ok = header(head); !ok) return ok;
  std::unordered_set<std::string> seen_skus;
  std::unordered_set<std::string> seen_codes;
  std::optional<Error> stopped;
  std::size_t index = 0;
  items->for_each_element([&](JsonValue shallow) {
    const std::size_t i = index++;
    // Checked already as part of the whole text, so this parse cannot fail; it is the item's alone.
    const Result<JsonDocument> element = JsonDocument::parse(shallow.source());
    if (!element) {
      stopped = element.error().within(std::string("items[") + std::to_string(i) + "]");
      return false;
    }
    JsonReader reader = in.at("items", i, element->root());
    if (!in.ok()) return false;
    CatalogItem read = read_item(reader, seen_skus, seen_codes);
    if (!reader.ok()) {
      in.fail(reader.error());
      return false;
    }
    if (auto ok = item(i, std::move(read)); !ok) {
      stopped = ok.error();
      return false;
    }
    return true;
  });
  if (stopped) return *stopped;
  if (!in.ok()) return in.error();
  return {};
}

}  // namespace recount::protocol
