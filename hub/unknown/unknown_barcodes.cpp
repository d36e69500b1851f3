// Unknown barcodes: folding device reports, listing and mapping.
#include "hub/unknown/unknown_barcodes.hpp"

#include <algorithm>
#include <iostream>
#include <string>
#include <utility>

#include "hub/unknown/unknown_schema.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {
namespace {

// The entries' columns, read_entry()'s order, ending with the devices joined by commas in order:
// SQLite 3.40 has only group_concat (string_agg came in 3.44), which keeps the order of a sorted
// subquery; PostgreSQL's string_agg is told the order.
std::string select_entries(storage::Dialect dialect) {
  const char* const devices =
      dialect == storage::Dialect::kPostgres
          ? "(SELECT string_agg(device, ',' ORDER BY device) FROM unknown_barcode_devices d "
            "WHERE d.site = u.site AND d.barcode = u.barcode) "
          : "(SELECT group_concat(device, ',') FROM (SELECT device FROM unknown_barcode_devices d "
            "WHERE d.site = u.site AND d.barcode = u.barcode ORDER BY device)) ";
  return std::string(
             "SELECT site, barcode, scans, applied, first_seen_ms, last_seen_ms, COALESCE(sku, ''), "
             "COALESCE(pack_qty, 0), COALESCE(mapped_by, ''), COALESCE(mapped_ms, 0), ") +
         devices + "FROM unknown_barcodes u ";
}

std::vector<std::string> split_devices(const std::string& joined) {
  std::vector<std::string> devices;
  std::size_t start = 0;
  while (start < joined.size()) {
    const std::size_t comma = std::min(joined.find(',', start), joined.size());
    devices.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return devices;
}

Result<UnknownBarcode> read_entry(const storage::Statement& row) {
  UnknownBarcode entry;
  entry.site = row.column_text(0);
  entry.barcode = row.column_text(1);
  entry.scans = row.column_int(2);
  entry.applied = row.column_int(3);
  entry.first_seen_ms = row.column_int(4);
  entry.last_seen_ms = row.column_int(5);
  entry.sku = row.column_text(6);
  entry.pack_qty = row.column_int(7);
  entry.mapped_by = row.column_text(8);
  entry.mapped_ms = row.column_int(9);
  entry.devices = split_devices(row.column_text(10));
  entry.state = entry.sku.empty() ? UnknownState::kOpen : UnknownState::kMapped;
  return entry;
}

}  // namespace

std::string_view to_string(UnknownState state) { return state == UnknownState::kMapped ? "mapped" : "open"; }

std::optional<UnknownFilter> parse_unknown_filter(std::string_view text) {
  if (text == "open") return UnknownFilter::kOpen;
  if (text == "mapped") return UnknownFilter::kMapped;
  if (text == "all") return UnknownFilter::kAll;
  return std::nullopt;
}

Result<UnknownBarcodes> UnknownBarcodes::open(Ledger& ledger) {
  if (auto ok = migrate_unknown_barcodes(ledger.database()); !ok) return ok.error();
  return UnknownBarcodes(ledger);
}

Result<std::vector<UnknownKey>> UnknownBarcodes::record(LedgerWrite& write, const std::string& site,
                                                        const std::string& device,
                                                        const std::vector<const Event*>& events) {
  return record_unknown_barcodes(write.database(), site, device, events);
}

Result<std::vector<UnknownBarcode>> UnknownBarcodes::list(const std::string& site, UnknownFilter filter) {
  return list_unknown_barcodes(ledger_->database(), site, filter);
}

Result<std::optional<UnknownBarcode>> UnknownBarcodes::find(const std::string& site, const std::string& barcode) {
  return find_unknown_barcode(ledger_->database(), site, barcode);
}

Result<std::vector<UnknownKey>> record_unknown_barcodes(storage::Connection& database, const std::string& site,
                                                        const std::string& device,
                                                        const std::vector<const Event*>& events) {
  std::vector<UnknownKey> changed;
  for (const Event* event : events) {
    if (event->type != EventType::kUnknownBarcode && event->type != EventType::kBarcodeApplied) continue;
    const bool report = event->type == EventType::kUnknownBarcode;
    auto upsert = database.prepare(
        report ? "INSERT INTO unknown_barcodes(site, barcode, scans, applied, first_seen_ms, last_seen_ms) "
                 "VALUES(?1, ?2, ?3, 0, ?4, ?4) ON CONFLICT(site, barcode) DO UPDATE SET "
                 "scans = unknown_barcodes.scans + excluded.scans, first_seen_ms = CASE WHEN "
                 "excluded.first_seen_ms < unknown_barcodes.first_seen_ms THEN excluded.first_seen_ms ELSE "
                 "unknown_barcodes.first_seen_ms END, last_seen_ms = CASE WHEN excluded.last_seen_ms > "
                 "unknown_barcodes.last_seen_ms THEN excluded.last_seen_ms ELSE unknown_barcodes.last_seen_ms END"
               : "INSERT INTO unknown_barcodes(site, barcode, scans, applied, first_seen_ms, last_seen_ms) "
                 "VALUES(?1, ?2, 0, ?3, ?4, ?4) ON CONFLICT(site, barcode) DO UPDATE SET "
                 "applied = unknown_barcodes.applied + excluded.applied");
    if (!upsert) return upsert.error();
    if (auto ok = upsert->bind(1, site).bind(2, event->barcode).bind(3, event->qty).bind(4, event->wall_ms).run();
        !ok) {
      return ok.error();
    }
    if (report) {
      auto seen_by = database.prepare(
          "INSERT INTO unknown_barcode_devices(site, barcode, device) VALUES(?1, ?2, ?3) "
          "ON CONFLICT DO NOTHING");
      if (!seen_by) return seen_by.error();
      if (auto ok = seen_by->bind(1, site).bind(2, event->barcode).bind(3, device).run(); !ok) return ok.error();
    }
    UnknownKey key{site, event->barcode};
    if (std::find(changed.begin(), changed.end(), key) == changed.end()) changed.push_back(std::move(key));
  }
  return changed;
}

Result<std::vector<UnknownBarcode>> list_unknown_barcodes(storage::Connection& database, const std::string& site,
                                                          UnknownFilter filter) {
  const char* state = filter == UnknownFilter::kOpen     ? "AND sku IS NULL "
                      : filter == UnknownFilter::kMapped ? "AND sku IS NOT NULL "
                                                         : "";
  auto query = database.prepare(select_entries(database.dialect()) + "WHERE (?1 = '' OR site = ?1) " + state +
                                "ORDER BY last_seen_ms DESC, site, barcode");
  if (!query) return query.error();
  query->bind(1, site);
  return storage::collect_rows<UnknownBarcode>(*query, read_entry);
}

Result<std::optional<UnknownBarcode>> find_unknown_barcode(storage::Connection& database, const std::string& site,
                                                           const std::string& barcode) {
  auto query = database.prepare(select_entries(database.dialect()) + "WHERE site = ?1 AND barcode = ?2");
  if (!query) return query.error();
  query->bind(1, site).bind(2, barcode);
  auto rows = storage::collect_rows<UnknownBarcode>(*query, read_entry);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<UnknownBarcode>{};
  return std::optional<UnknownBarcode>{std::move(rows->front())};
}

Result<UnknownBarcode> UnknownBarcodes::map(CatalogStore& catalog, const BarcodeMapRequest& request,
                                            const std::string& actor, std::int64_t now_ms) {
  if (auto ok = validate_identifier("site", request.site); !ok) return ok.error();
  auto code = catalog_code(request.barcode);
  if (!code) return code.error();
  auto entry = find(request.site, *code);
  if (!entry) return entry.error();
  if (!*entry) {
    return Error{ErrorCode::kNotFound, "barcode",
                 "no device of site " + request.site + " reported barcode " + *code + " as unknown"};
  }
  auto write = ledger_->begin_write();
  if (!write) return write.error();
  auto mapped = catalog.map_barcode(*write, *code, request.sku, request.pack_qty, actor);
  if (!mapped) return mapped.error();
  auto update = write->database().prepare(
      "UPDATE unknown_barcodes SET sku = ?1, pack_qty = ?2, mapped_by = ?3, mapped_ms = ?4 "
      "WHERE site = ?5 AND barcode = ?6");
  if (!update) return update.error();
  if (auto ok = update->bind(1, request.sku)
                    .bind(2, request.pack_qty)
                    .bind(3, actor)
                    .bind(4, now_ms)
                    .bind(5, request.site)
                    .bind(6, *code)
                    .run();
      !ok) {
    return ok.error();
  }
  if (auto ok = write->commit(); !ok) return ok.error();
  auto stored = find(request.site, *code);
  if (!stored) return stored.error();
  return std::move(**stored);
}

void UnknownBarcodes::announce(const std::vector<UnknownKey>& keys) {
  if (!listener_) return;
  for (const auto& key : keys) {
    auto entry = find(key.site, key.barcode);
    if (!entry) {
      std::cerr << "recount-hub: unknown barcode " << key.barcode << " of " << key.site
                << " not announced: " << entry.error().describe() << std::endl;
      continue;
    }
    if (*entry) listener_(**entry);
  }
}

}  // namespace recount::hub
