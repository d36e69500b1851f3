// Catalog imports, storage and per-site catalogs.
#include "hub/catalog/catalog_store.hpp"

#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/crypto/sha256.hpp"
#include "shared/domain/gtin.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

constexpr std::int64_t kMaxUnitCostCents = 1'000'000'000'000;  // ten billion in major units

// The cost is one of two optional columns (or both), found apart: see item_cost().
const std::vector<std::string_view> kItemColumns{"sku", "description", "item_class", "barcode", "pack_qty"};
// The same with the cost where it stands in the documented header, for naming what a header lacks.
const std::vector<std::string_view> kItemColumnsWithCost{"sku",        "description", "unit_cost_cents or unit_cost",
                                                         "item_class", "barcode",     "pack_qty"};
const std::vector<std::string_view> kLocationColumns{"site", "location", "label", "location_class"};

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

class Errors {
 public:
  void add(std::size_t line, std::string field, std::string message) {
    list.push_back(ImportError{line, std::move(field), std::move(message)});
  }
  void add(std::size_t line, const Error& error) { add(line, error.field, error.message); }
  std::vector<ImportError> list;
};

// Where an items file keeps its cost: `unit_cost_cents`, `unit_cost` (decimal), or both.
struct CostColumns {
  int cents = -1;
  int decimal = -1;
  DecimalMark mark = DecimalMark::kPoint;
};

// The row's unit cost in cents from the columns it has; errors name the column.
Result<std::int64_t> item_cost(const CsvRecord& record, const CostColumns& columns) {
  const auto cents_text = field_at(record, columns.cents);
  const auto decimal_text = field_at(record, columns.decimal);
  std::optional<std::int64_t> cents;
  std::optional<std::int64_t> decimal;
  if (columns.cents >= 0 && (!cents_text.empty() || columns.decimal < 0 || decimal_text.empty())) {
    cents = parse_integer(cents_text);
    if (!cents || *cents < 0 || *cents > kMaxUnitCostCents) {
      return invalid("unit_cost_cents",
                     "must be a whole number of cents, 0 or more (got '" + std::string(cents_text) + "')");
    }
  }
  if (columns.decimal >= 0 && (!decimal_text.empty() || !cents)) {
    auto amount = parse_cents("unit_cost", decimal_text, columns.mark);
    if (!amount) return amount.error();
    if (*amount < 0 || *amount > kMaxUnitCostCents) {
      return invalid("unit_cost", "must be an amount of 0 or more (got '" + std::string(decimal_text) + "')");
    }
    decimal = *amount;
  }
  if (cents && decimal && *cents != *decimal) {
    return invalid("unit_cost", "'" + std::string(decimal_text) + "' is " + std::to_string(*decimal) +
                                    " cents but unit_cost_cents says " + std::string(cents_text) +
                                    " (give one of them, or both agreeing)");
  }
  return cents ? *cents : *decimal;
}

}  // namespace

Result<std::string> catalog_code(const std::string& code) {
  if (auto ok = validate_code("barcode", code, limits::kMaxReference); !ok) return ok.error();
  if (all_digits(code) && (code.size() == 8 || code.size() == 12 || code.size() == 13 || code.size() == 14)) {
    auto gtin = normalize_gtin(code);
    if (!gtin) return invalid("barcode", gtin.error().message);
    return *gtin;
  }
  return code;
}

std::string_view to_string(ImportKind kind) {
  switch (kind) {
    case ImportKind::kItems: return "items";
    case ImportKind::kLocations: return "locations";
    case ImportKind::kUsers: return "users";
  }
  return "items";
}

Result<CatalogStore> CatalogStore::open(Ledger& ledger) {
  if (auto ok = migrate_catalog(ledger.database()); !ok) return ok.error();
  return CatalogStore(ledger);
}

Result<ImportReport> CatalogStore::import_csv(ImportKind kind, std::string_view csv, const TableOptions& options) {
  if (kind == ImportKind::kUsers) return import_users(csv, options);
  ImportReport report;
  report.kind = kind;
  Errors errors;
  auto table = read_import_table(csv, kind == ImportKind::kItems ? kItemColumns : kLocationColumns, options);
  report.delimiter = table.delimiter;
  report.encoding = table.encoding;
  const CostColumns cost_columns{find_column(table.header, "unit_cost_cents"), find_column(table.header, "unit_cost"),
                                 decimal_mark_for(table.delimiter)};
  if (kind == ImportKind::kItems && cost_columns.cents < 0 && cost_columns.decimal < 0 &&
      !table.header.fields.empty()) {
    // The cost is named with the other columns the header lacks, in its place among them.
    if (auto mapped = map_header(table.header, kItemColumnsWithCost); !mapped) {
      table.errors = {ImportError{table.header.line, "", mapped.error().message}};
    }
  }
  if (!table.errors.empty()) {
    report.errors = std::move(table.errors);
    if (auto ok = audit_rejection(report, csv); !ok) return ok.error();
    return report;
  }
  const auto& columns = table.columns;
  report.rows = table.rows.size();

  std::vector<protocol::CatalogItem> items;
  std::vector<std::pair<std::string, protocol::CatalogLocation>> locations;
  if (kind == ImportKind::kItems) {
    std::map<std::string, std::size_t> item_index;                     // sku → items[]
    std::map<std::string, std::pair<std::string, std::size_t>> codes;  // code → (sku, line)
    auto owner = ledger_.database().prepare("SELECT sku FROM catalog_barcodes WHERE code = ?");
    if (!owner) return owner.error();
    for (const auto& record : table.rows) {
      const auto row = pick(record, columns);
      const auto& [sku, description, item_class, barcode, pack_text] = std::tie(row[0], row[1], row[2], row[3], row[4]);
      const auto errors_before = errors.list.size();
      if (auto ok = validate_code("sku", sku, limits::kMaxCode); !ok) errors.add(record.line, ok.error());
      if (auto ok = validate_code("description", description, limits::kMaxText, Presence::kOptional); !ok) {
        errors.add(record.line, ok.error());
      }
      const auto cost = item_cost(record, cost_columns);
      if (!cost) errors.add(record.line, cost.error());
      if (auto ok = validate_code("item_class", item_class, limits::kMaxCode, Presence::kOptional); !ok) {
        errors.add(record.line, ok.error());
      }
      auto code = catalog_code(barcode);
      if (!code) errors.add(record.line, "barcode", code.error().message);
      const auto pack = parse_integer(pack_text);
      if (!pack || *pack < 1 || *pack > limits::kMaxQuantity) {
        errors.add(record.line, "pack_qty", "must be a whole number from 1 to 1000000000 (got '" + pack_text + "')");
      }
      if (errors.list.size() != errors_before) continue;
      if (auto seen = codes.find(*code); seen != codes.end()) {
        errors.add(record.line, "barcode",
                   barcode + " already appears on line " + std::to_string(seen->second.second) + " (SKU " +
                       seen->second.first + ")");
        continue;
      }
      codes.emplace(*code, std::pair{sku, record.line});
      auto found = item_index.find(sku);
      if (found == item_index.end()) {
        item_index.emplace(sku, items.size());
        items.push_back(protocol::CatalogItem{sku, description, *cost, item_class, {}});
      } else {
        const auto& item = items[found->second];
        if (item.description != description || item.unit_cost_cents != *cost || item.item_class != item_class) {
          errors.add(
              record.line, "sku",
              "SKU " + sku + " has a different description, unit_cost_cents or item_class than on its first row");
          continue;
        }
      }
      items[item_index[sku]].barcodes.push_back(protocol::CatalogBarcode{*code, *pack});
    }
    // A code may name one item only: one that stays (is not in this file) keeps its codes.
    for (const auto& [code, where] : codes) {
      owner->bind(1, code);
      auto row = owner->step();
      if (!row) return row.error();
      if (*row) {
        const auto current = owner->column_text(0);
        if (current != where.first && item_index.count(current) == 0) {
          errors.add(where.second, "barcode",
                     std::string("barcode ").append(code).append(" already belongs to SKU ").append(current));
        }
      }
      owner->reset();
    }
    report.items = items.size();
    report.barcodes = codes.size();
  } else {
    std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (site, location) → line
    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::size_t>> labels;
    std::set<std::string> sites;
    auto owner = ledger_.database().prepare("SELECT location FROM catalog_locations WHERE site = ? AND label = ?");
    if (!owner) return owner.error();
    for (const auto& record : table.rows) {
      const auto row = pick(record, columns);
      const auto& [site, location, label_text, location_class] = std::tie(row[0], row[1], row[2], row[3]);
      const auto label = label_text.empty() ? location : label_text;
      const auto errors_before = errors.list.size();
      if (auto ok = validate_identifier("site", site); !ok) errors.add(record.line, ok.error());
      if (auto ok = validate_code("location", location, limits::kMaxCode); !ok) errors.add(record.line, ok.error());
      if (auto ok = validate_code("label", label, limits::kMaxReference); !ok) errors.add(record.line, ok.error());
      if (auto ok = validate_code("location_class", location_class, limits::kMaxCode, Presence::kOptional); !ok) {
        errors.add(record.line, ok.error());
      }
      if (errors.list.size() != errors_before) continue;
      if (auto [at, fresh] = seen.emplace(std::pair{site, location}, record.line); !fresh) {
        errors.add(record.line, "location",
                   std::string(site)
                       .append("/")
                       .append(location)
                       .append(" already appears on line ")
                       .append(std::to_string(at->second)));
        continue;
      }
      if (auto [at, fresh] = labels.emplace(std::pair{site, label}, std::pair{location, record.line}); !fresh) {
        errors.add(record.line, "label",
                   "label " + label + " is already used on line " + std::to_string(at->second.second) + " (" +
                       at->second.first + ")");
        continue;
      }
      owner->bind(1, site).bind(2, label);
      auto existing = owner->step();
      if (!existing) return existing.error();
      if (*existing && owner->column_text(0) != location && seen.count(std::pair{site, owner->column_text(0)}) == 0) {
        errors.add(record.line, "label", "label " + label + " already belongs to location " + owner->column_text(0));
      }
      owner->reset();
      sites.insert(site);
      locations.emplace_back(site, protocol::CatalogLocation{location, label, location_class});
    }
    report.items = locations.size();
    report.sites = sites.size();
  }
  if (!errors.list.empty()) {
    report.errors = std::move(errors.list);
    report.version = 0;
    if (auto ok = audit_rejection(report, csv); !ok) return ok.error();
    return report;
  }

  auto write = ledger_.begin_write();
  if (!write) return write.error();
  if (kind == ImportKind::kItems) {
    if (auto ok = store_items(*write, items); !ok) return ok.error();
  } else {
    if (auto ok = store_locations(*write, locations); !ok) return ok.error();
  }
  auto version = bump_version(*write);
  if (!version) return version.error();
  report.version = *version;
  const nlohmann::json detail{{"rows", report.rows},   {"items", report.items}, {"barcodes", report.barcodes},
                              {"sites", report.sites}, {"version", *version},   {"sha256", sha256_hex(csv)},
                              {"bytes", csv.size()}};
  if (auto ok = write->audit("catalog.import", std::string(to_string(kind)), detail.dump()); !ok) return ok.error();
  if (auto ok = write->commit(); !ok) return ok.error();
  return report;
}

Result<MappedBarcode> CatalogStore::map_barcode(LedgerWrite& write, const std::string& code, const std::string& sku,
                                                std::int64_t pack_qty, const std::string& actor) {
  auto stored_code = catalog_code(code);
  if (!stored_code) return stored_code.error();
  if (pack_qty < 1 || pack_qty > limits::kMaxQuantity) {
    return invalid("pack_qty", "must be a whole number from 1 to 1000000000 (got " + std::to_string(pack_qty) + ")");
  }
  storage::Database& database = write.database();
  auto item = database.prepare("SELECT 1 FROM catalog_items WHERE sku = ?");
  if (!item) return item.error();
  auto known = storage::first_int(item->bind(1, sku));
  if (!known) return known.error();
  if (!*known) return Error{ErrorCode::kNotFound, "sku", "the catalog has no item " + sku + " (import it first)"};
  auto owner = database.prepare("SELECT sku FROM catalog_barcodes WHERE code = ?");
  if (!owner) return owner.error();
  auto current = storage::first_text(owner->bind(1, *stored_code));
  if (!current) return current.error();
  if (*current && **current != sku) {
    return Error{ErrorCode::kConflict, "barcode", "barcode " + *stored_code + " already belongs to SKU " + **current};
  }
  auto insert = database.prepare("INSERT OR REPLACE INTO catalog_barcodes(code, sku, pack_qty) VALUES(?, ?, ?)");
  if (!insert) return insert.error();
  if (auto ok = insert->bind(1, *stored_code).bind(2, sku).bind(3, pack_qty).run(); !ok) return ok.error();
  auto version = bump_version(write);
  if (!version) return version.error();
  const nlohmann::json detail{
      {"barcode", *stored_code}, {"sku", sku}, {"pack_qty", pack_qty}, {"actor", actor}, {"version", *version}};
  if (auto ok = write.audit("catalog.map_barcode", *stored_code, detail.dump()); !ok) return ok.error();
  return MappedBarcode{*stored_code, *version};
}

Result<void> CatalogStore::audit_rejection(const ImportReport& report, std::string_view csv) {
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  const auto& first = report.errors.front();
  nlohmann::json detail{{"errors", report.errors.size()},
                        {"first_error", {{"line", first.line}, {"field", first.field}, {"message", first.message}}},
                        {"bytes", csv.size()}};
  // A users file holds PINs in clear: its digest would let anyone who reads the audit log try
  // the 10,000 four-digit PINs against it.
  if (report.kind != ImportKind::kUsers) detail["sha256"] = sha256_hex(csv);
  if (auto ok = write->audit("catalog.import_rejected", std::string(to_string(report.kind)), detail.dump()); !ok) {
    return ok;
  }
  return write->commit();
}

Result<void> CatalogStore::store_items(LedgerWrite& write, const std::vector<protocol::CatalogItem>& items) {
  storage::Database& database = write.database();
  auto drop = database.prepare("DELETE FROM catalog_barcodes WHERE sku = ?");
  auto item = database.prepare(
      "INSERT INTO catalog_items(sku, description, unit_cost_cents, item_class) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(sku) DO UPDATE SET description = excluded.description, "
      "unit_cost_cents = excluded.unit_cost_cents, item_class = excluded.item_class");
  auto code = database.prepare("INSERT OR REPLACE INTO catalog_barcodes(code, sku, pack_qty) VALUES(?, ?, ?)");
  if (!drop) return drop.error();
  if (!item) return item.error();
  if (!code) return code.error();
  for (const auto& entry : items) {
    if (auto ok = drop->bind(1, entry.sku).run(); !ok) return ok;
    if (auto ok = item->bind(1, entry.sku)
                      .bind(2, entry.description)
                      .bind(3, entry.unit_cost_cents)
                      .bind(4, entry.item_class)
                      .run();
        !ok) {
      return ok;
    }
    for (const auto& barcode : entry.barcodes) {
      if (auto ok = code->bind(1, barcode.code).bind(2, entry.sku).bind(3, barcode.pack_qty).run(); !ok) return ok;
    }
  }
  return {};
}

Result<void> CatalogStore::store_locations(
    LedgerWrite& write, const std::vector<std::pair<std::string, protocol::CatalogLocation>>& locations) {
  auto upsert = write.database().prepare(
      "INSERT OR REPLACE INTO catalog_locations(site, location, label, location_class) VALUES(?, ?, ?, ?)");
  if (!upsert) return upsert.error();
  for (const auto& [site, location] : locations) {
    if (auto ok = upsert->bind(1, site)
                      .bind(2, location.location)
                      .bind(3, location.label)
                      .bind(4, location.location_class)
                      .run();
        !ok) {
      return ok;
    }
  }
  return {};
}

Result<std::uint64_t> CatalogStore::bump_version(LedgerWrite& write) {
  if (auto ok = write.database().execute("UPDATE catalog_version SET version = version + 1 WHERE id = 1"); !ok) {
    return ok.error();
  }
  return current_version();
}

Result<std::uint64_t> CatalogStore::current_version() {
  auto query = ledger_.database().prepare("SELECT version FROM catalog_version WHERE id = 1");
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  return static_cast<std::uint64_t>(query->column_int(0));
}

Result<protocol::Catalog> CatalogStore::catalog_for(const std::string& site) {
  protocol::Catalog catalog;
  catalog.site = site;
  auto version = current_version();
  if (!version) return version.error();
  catalog.version = *version;
  auto items = ledger_.database().prepare(
      "SELECT i.sku, i.description, i.unit_cost_cents, i.item_class, b.code, b.pack_qty FROM catalog_items i "
      "LEFT JOIN catalog_barcodes b ON b.sku = i.sku ORDER BY i.sku, b.pack_qty, b.code");
  if (!items) return items.error();
  while (true) {
    auto more = items->step();
    if (!more) return more.error();
    if (!*more) break;
    const auto sku = items->column_text(0);
    if (catalog.items.empty() || catalog.items.back().sku != sku) {
      catalog.items.push_back(
          protocol::CatalogItem{sku, items->column_text(1), items->column_int(2), items->column_text(3), {}});
    }
    if (!items->column_is_null(4)) {
      catalog.items.back().barcodes.push_back(protocol::CatalogBarcode{items->column_text(4), items->column_int(5)});
    }
  }
  auto locations = ledger_.database().prepare(
      "SELECT location, label, location_class FROM catalog_locations WHERE site = ? ORDER BY location");
  if (!locations) return locations.error();
  locations->bind(1, site);
  while (true) {
    auto more = locations->step();
    if (!more) return more.error();
    if (!*more) break;
    catalog.locations.push_back(
        protocol::CatalogLocation{locations->column_text(0), locations->column_text(1), locations->column_text(2)});
  }
  auto users = users_of(site);
  if (!users) return users.error();
  catalog.users = std::move(*users);
  return catalog;
}

Result<std::vector<std::string>> CatalogStore::sites() {
  auto query =
      ledger_.database().prepare("SELECT site FROM catalog_locations UNION SELECT site FROM floor_users ORDER BY site");
  if (!query) return query.error();
  std::vector<std::string> sites;
  while (true) {
    auto more = query->step();
    if (!more) return more.error();
    if (!*more) return sites;
    sites.push_back(query->column_text(0));
  }
}

}  // namespace recount::hub
