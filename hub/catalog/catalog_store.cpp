// Catalog imports, storage and per-site catalogs.
#include "hub/catalog/catalog_store.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/catalog/user_import.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/domain/gtin.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {
namespace {

constexpr std::int64_t kMaxUnitCostCents = 1'000'000'000'000;  // ten billion in major units

// The cost is one of two optional columns (or both), found apart: see item_cost().
const std::vector<std::string_view> kItemColumns{"sku", "description", "item_class", "barcode", "pack_qty"};
// The same with the cost where it stands in the documented header, for naming what a header lacks.
const std::vector<std::string_view> kItemColumnsWithCost{"sku",        "description", "unit_cost_cents or unit_cost",
                                                         "item_class", "barcode",     "pack_qty"};
const std::vector<std::string_view> kLocationColumns{"site", "location", "label", "location_class"};

// Said the same by the items import and by mapping one barcode; `got` is the value as shown.
Error pack_qty_out_of_range(const std::string& got) {
  return invalid("pack_qty",
                 "must be a whole number from 1 to " + std::to_string(limits::kMaxQuantity) + " (got " + got + ")");
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

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

// Reads an items file into import_items and import_barcodes a row at a time, each problem into
// `errors`, then checks the codes against the items that stay. Errors: SQLite's.
Result<void> stage_items(storage::Connection& database, ImportTable& table, const CostColumns& cost_columns,
                         ImportErrors& errors) {
  auto code_seen = database.prepare("SELECT sku, line FROM import_barcodes WHERE code = ?");
  auto add_code = database.prepare("INSERT INTO import_barcodes(code, sku, pack_qty, line) VALUES(?, ?, ?, ?)");
  auto item_seen = database.prepare("SELECT description, unit_cost_cents, item_class FROM import_items WHERE sku = ?");
  auto add_item =
      database.prepare("INSERT INTO import_items(sku, description, unit_cost_cents, item_class) VALUES(?, ?, ?, ?)");
  if (!code_seen) return code_seen.error();
  if (!add_code) return add_code.error();
  if (!item_seen) return item_seen.error();
  if (!add_item) return add_item.error();
  CsvRecord record;
  while (table.next(record)) {
    const auto row = pick(record, table.columns);
    const auto& [sku, description, item_class, barcode, pack_text] = std::tie(row[0], row[1], row[2], row[3], row[4]);
    RowProblems problems(errors, record.line);
    problems.check(validate_code("sku", sku, limits::kMaxCode));
    problems.check(validate_code("description", description, limits::kMaxText, Presence::kOptional));
    const auto cost = item_cost(record, cost_columns);
    if (!cost) problems.add(cost.error());
    problems.check(validate_code("item_class", item_class, limits::kMaxCode, Presence::kOptional));
    auto code = catalog_code(barcode);
    if (!code) problems.add("barcode", code.error().message);
    const auto pack = parse_integer(pack_text);
    if (!pack || *pack < 1 || *pack > limits::kMaxQuantity) problems.add(pack_qty_out_of_range("'" + pack_text + "'"));
    if (problems.any()) continue;
    code_seen->bind(1, *code);
    auto seen = code_seen->step();
    if (!seen) return seen.error();
    if (*seen) {
      problems.add("barcode", barcode + " already appears on line " + std::to_string(code_seen->column_int(1)) +
                                  " (SKU " + code_seen->column_text(0) + ")");
      code_seen->reset();
      continue;
    }
    code_seen->reset();
    if (auto ok =
            add_code->bind(1, *code).bind(2, sku).bind(3, *pack).bind(4, static_cast<std::int64_t>(record.line)).run();
        !ok) {
      return ok;
    }
    item_seen->bind(1, sku);
    auto first = item_seen->step();
    if (!first) return first.error();
    const bool agrees = !*first || (item_seen->column_text(0) == description && item_seen->column_int(1) == *cost &&
                                    item_seen->column_text(2) == item_class);
    const bool fresh = !*first;
    item_seen->reset();
    if (!agrees) {
      problems.add("sku",
                   "SKU " + sku + " has a different description, unit_cost_cents or item_class than on its first row");
      continue;
    }
    if (fresh) {
      if (auto ok = add_item->bind(1, sku).bind(2, description).bind(3, *cost).bind(4, item_class).run(); !ok)
        return ok;
    }
  }
  // A code may name one item only: one that stays (is not in this file) keeps its codes.
  auto owned = database.prepare(
      "SELECT s.code, s.line, c.sku FROM import_barcodes s JOIN catalog_barcodes c ON c.code = s.code "
      "WHERE c.sku <> s.sku AND c.sku NOT IN (SELECT sku FROM import_items) ORDER BY s.code");
  if (!owned) return owned.error();
  while (true) {
    auto row = owned->step();
    if (!row) return row.error();
    if (!*row) return {};
    errors.add(ImportError{static_cast<std::size_t>(owned->column_int(1)), "barcode",
                           "barcode " + owned->column_text(0) + " already belongs to SKU " + owned->column_text(2)});
  }
}

// Reads a locations file into import_locations a row at a time, each problem into `errors`.
// Errors: SQLite's.
Result<void> stage_locations(storage::Connection& database, ImportTable& table, ImportErrors& errors) {
  auto location_seen = database.prepare("SELECT line FROM import_locations WHERE site = ? AND location = ?");
  auto label_seen = database.prepare("SELECT location, line FROM import_locations WHERE site = ? AND label = ?");
  // The location that has the label now, unless the file has named it already (it may move).
  auto owner = database.prepare(
      "SELECT c.location FROM catalog_locations c WHERE c.site = ?1 AND c.label = ?2 AND c.location <> ?3 AND NOT "
      "EXISTS (SELECT 1 FROM import_locations s WHERE s.site = ?1 AND s.location = c.location)");
  auto add_location = database.prepare(
      "INSERT INTO import_locations(site, location, label, location_class, line) VALUES(?, ?, ?, ?, ?)");
  if (!location_seen) return location_seen.error();
  if (!label_seen) return label_seen.error();
  if (!owner) return owner.error();
  if (!add_location) return add_location.error();
  CsvRecord record;
  while (table.next(record)) {
    const auto row = pick(record, table.columns);
    const auto& [site, location, label_text, location_class] = std::tie(row[0], row[1], row[2], row[3]);
    const auto label = label_text.empty() ? location : label_text;
    const auto line = static_cast<std::int64_t>(record.line);
    RowProblems problems(errors, record.line);
    problems.check(validate_identifier("site", site));
    problems.check(validate_code("location", location, limits::kMaxCode));
    problems.check(validate_code("label", label, limits::kMaxReference));
    problems.check(validate_code("location_class", location_class, limits::kMaxCode, Presence::kOptional));
    if (problems.any()) continue;
    auto repeated = storage::first_int(location_seen->bind(1, site).bind(2, location));
    if (!repeated) return repeated.error();
    if (*repeated) {
      problems.add("location", std::string(site)
                                   .append("/")
                                   .append(location)
                                   .append(" already appears on line ")
                                   .append(std::to_string(**repeated)));
      continue;
    }
    label_seen->bind(1, site).bind(2, label);
    auto holder = label_seen->step();
    if (!holder) return holder.error();
    std::optional<std::string> label_error;
    if (*holder) {
      label_error = "label " + label + " is already used on line " + std::to_string(label_seen->column_int(1)) + " (" +
                    label_seen->column_text(0) + ")";
    }
    label_seen->reset();
    // A row whose label repeats another's is staged without it, so that the first keeps it.
    add_location->bind(1, site).bind(2, location).bind(5, line).bind(4, location_class);
    if (label_error) {
      add_location->bind_null(3);
    } else {
      add_location->bind(3, label);
    }
    if (auto ok = add_location->run(); !ok) return ok;
    if (label_error) {
      problems.add("label", *label_error);
      continue;
    }
    auto current = storage::first_text(owner->bind(1, site).bind(2, label).bind(3, location));
    if (!current) return current.error();
    if (*current) problems.add("label", "label " + label + " already belongs to location " + **current);
  }
  return {};
}

// Rows one statement copies out of a staging table. The ledger keeps a statement's undo journal
// in memory (temp_store, hub/ledger/ledger.cpp), and it grows with the pages the statement
// changes: one statement over a 500,000-item file held ~26 MiB of it (docs/performance.md).
constexpr std::int64_t kCopyBatchRows = 10'000;

// Runs each of `copies` over the staged rows a batch at a time, in the order of their key: each
// copy takes the batch as ?1 < key <= ?2. `last_of_batch` selects the last key of the batch after
// ?1 (NULL when none is left). Keys are never empty (validate_code), so the first batch starts
// after "". Errors: SQLite's.
Result<void> copy_in_batches(storage::Connection& database, const char* last_of_batch,
                             std::initializer_list<const char*> copies) {
  auto bound = database.prepare(last_of_batch);
  if (!bound) return bound.error();
  std::vector<storage::Statement> statements;
  for (const char* copy : copies) {
    auto statement = database.prepare(copy);
    if (!statement) return statement.error();
    statements.push_back(std::move(*statement));
  }
  std::string low;
  while (true) {
    bound->bind(1, low).bind(2, kCopyBatchRows);
    auto row = bound->step();
    if (!row) return row.error();
    if (!*row || bound->column_is_null(0)) return {};
    std::string high = bound->column_text(0);
    bound->reset();
    for (auto& statement : statements) {
      if (auto ok = statement.bind(1, low).bind(2, high).run(); !ok) return ok;
    }
    low = std::move(high);
  }
}

// Copies the staged items and their codes into the catalog, replacing the codes of every item the
// file names. Errors: SQLite's.
Result<void> store_items(storage::Connection& database) {
  if (auto ok = copy_in_batches(
          database, "SELECT max(sku) FROM (SELECT sku FROM import_items WHERE sku > ?1 ORDER BY sku LIMIT ?2) AS batch",
          {"DELETE FROM catalog_barcodes WHERE sku IN (SELECT sku FROM import_items WHERE sku > ?1 AND sku <= ?2)",
           "INSERT INTO catalog_items(sku, description, unit_cost_cents, item_class) "
           "SELECT sku, description, unit_cost_cents, item_class FROM import_items WHERE sku > ?1 AND sku <= ?2 "
           "ON CONFLICT(sku) DO UPDATE SET description = excluded.description, "
           "unit_cost_cents = excluded.unit_cost_cents, item_class = excluded.item_class"});
      !ok) {
    return ok;
  }
  return copy_in_batches(
      database,
      "SELECT max(code) FROM (SELECT code FROM import_barcodes WHERE code > ?1 ORDER BY code LIMIT ?2) AS batch",
      {"INSERT INTO catalog_barcodes(code, sku, pack_qty) "
       "SELECT code, sku, pack_qty FROM import_barcodes WHERE code > ?1 AND code <= ?2 "
       "ON CONFLICT(code) DO UPDATE SET sku = excluded.sku, pack_qty = excluded.pack_qty"});
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

Result<ImportReport> import_into(storage::Connection& database, ImportKind kind, std::string_view csv,
                                 const TableOptions& options) {
  if (kind == ImportKind::kUsers) return import_users_into(database, csv, options);
  ImportReport report;
  report.kind = kind;
  ImportTable table(csv, kind == ImportKind::kItems ? kItemColumns : kLocationColumns, options);
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
    return report;
  }

  // The file is read a row at a time into the staging tables inside the caller's write, so that
  // memory does not grow with it; a rejected file rolls back with the write.
  ImportErrors errors;
  if (auto ok = begin_import_staging(database); !ok) return ok.error();
  auto staged = kind == ImportKind::kItems ? stage_items(database, table, cost_columns, errors)
                                           : stage_locations(database, table, errors);
  if (!staged) return staged.error();
  report.rows = table.rows();
  if (!table.errors.empty()) errors.replace_all(table.errors.front());
  if (!errors.empty()) {
    report.errors = std::move(errors.listed);
    report.unlisted_errors = errors.unlisted;
    return report;
  }
  auto counted =
      database.prepare(kind == ImportKind::kItems ? "SELECT (SELECT count(*) FROM import_items), "
                                                    "(SELECT count(*) FROM import_barcodes), 0"
                                                  : "SELECT count(*), 0, count(DISTINCT site) FROM import_locations");
  if (!counted) return counted.error();
  if (auto row = counted->step(); !row) return row.error();
  report.items = static_cast<std::size_t>(counted->column_int(0));
  report.barcodes = static_cast<std::size_t>(counted->column_int(1));
  report.sites = static_cast<std::size_t>(counted->column_int(2));
  counted->reset();
  // Locations are copied in one statement, in the order of their key (the target's too): batching
  // them by line would scan the unindexed staging table once per batch, and a site's locations
  // number far fewer than its items.
  if (auto ok = kind == ImportKind::kItems
                    ? store_items(database)
                    : database.execute("INSERT INTO catalog_locations(site, location, label, location_class) "
                                       "SELECT site, location, label, location_class FROM import_locations WHERE true "
                                       "ORDER BY site, location ON CONFLICT(site, location) DO UPDATE SET "
                                       "label = excluded.label, location_class = excluded.location_class");
      !ok) {
    return ok.error();
  }
  if (auto ok = clear_import_staging(database); !ok) return ok.error();
  auto version = raise_catalog_version(database);
  if (!version) return version.error();
  report.version = *version;
  return report;
}

Result<ImportReport> CatalogStore::import_csv(ImportKind kind, std::string_view csv, const TableOptions& options) {
  ImportReport report;
  {
    auto write = ledger_.begin_write();
    if (!write) return write.error();
    auto imported = import_into(write->database(), kind, csv, options);
    if (!imported) return imported.error();
    report = std::move(*imported);
    if (report.errors.empty()) {
      // No digest of a users file: see audit_rejection().
      nlohmann::json detail =
          kind == ImportKind::kUsers
              ? nlohmann::json{{"rows", report.rows},
                               {"users", report.users},
                               {"removed", report.removed},
                               {"sites", report.sites},
                               {"changed_sites", report.changed_sites},
                               {"version", report.version}}
              : nlohmann::json{{"rows", report.rows},         {"items", report.items},
                               {"barcodes", report.barcodes}, {"sites", report.sites},
                               {"version", report.version},   {"sha256", import_sha256(csv, options)}};
      detail["bytes"] = csv.size();
      if (auto ok = write->audit("catalog.import", std::string(to_string(kind)), detail.dump()); !ok) {
        return ok.error();
      }
      if (auto ok = write->commit(); !ok) return ok.error();
      return report;
    }
  }  // the write rolls back: nothing staged stays
  if (auto ok = audit_rejection(report, csv, options); !ok) return ok.error();
  return report;
}

Result<MappedBarcode> CatalogStore::map_barcode(LedgerWrite& write, const std::string& code, const std::string& sku,
                                                std::int64_t pack_qty, const std::string& actor) {
  auto stored_code = catalog_code(code);
  if (!stored_code) return stored_code.error();
  if (pack_qty < 1 || pack_qty > limits::kMaxQuantity) {
    return pack_qty_out_of_range(std::to_string(pack_qty));
  }
  storage::Connection& database = write.database();
  auto lookup = CatalogLookup::prepare(database);
  if (!lookup) return lookup.error();
  auto known = lookup->has_item(sku);
  if (!known) return known.error();
  if (!*known) return Error{ErrorCode::kNotFound, "sku", "the catalog has no item " + sku + " (import it first)"};
  auto current = lookup->barcode(*stored_code);
  if (!current) return current.error();
  if (*current && (*current)->sku != sku) {
    return Error{ErrorCode::kConflict, "barcode",
                 "barcode " + *stored_code + " already belongs to SKU " + (*current)->sku};
  }
  auto insert = database.prepare(
      "INSERT INTO catalog_barcodes(code, sku, pack_qty) VALUES(?, ?, ?) "
      "ON CONFLICT(code) DO UPDATE SET sku = excluded.sku, pack_qty = excluded.pack_qty");
  if (!insert) return insert.error();
  if (auto ok = insert->bind(1, *stored_code).bind(2, sku).bind(3, pack_qty).run(); !ok) return ok.error();
  auto version = raise_catalog_version(database);
  if (!version) return version.error();
  const nlohmann::json detail{
      {"barcode", *stored_code}, {"sku", sku}, {"pack_qty", pack_qty}, {"actor", actor}, {"version", *version}};
  if (auto ok = write.audit("catalog.map_barcode", *stored_code, detail.dump()); !ok) return ok.error();
  return MappedBarcode{*stored_code, *version};
}

Result<void> CatalogStore::audit_rejection(const ImportReport& report, std::string_view csv,
                                           const TableOptions& options) {
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  const auto& first = report.errors.front();
  nlohmann::json detail{{"errors", report.errors.size() + report.unlisted_errors},
                        {"first_error", {{"line", first.line}, {"field", first.field}, {"message", first.message}}},
                        {"bytes", csv.size()}};
  // A users file holds PINs in clear: its digest would let anyone who reads the audit log try
  // the 10,000 four-digit PINs against it.
  if (report.kind != ImportKind::kUsers) detail["sha256"] = import_sha256(csv, options);
  if (auto ok = write->audit("catalog.import_rejected", std::string(to_string(report.kind)), detail.dump()); !ok) {
    return ok;
  }
  return write->commit();
}

Result<std::uint64_t> raise_catalog_version(storage::Connection& database) {
  if (auto ok = database.execute("UPDATE catalog_version SET version = version + 1 WHERE id = 1"); !ok) {
    return ok.error();
  }
  return catalog_version(database);
}

Result<void> raise_catalog_version_to(storage::Connection& database, std::uint64_t at_least) {
  auto raise = database.prepare("UPDATE catalog_version SET version = ?1 WHERE id = 1 AND version < ?1");
  if (!raise) return raise.error();
  return raise->bind(1, static_cast<std::int64_t>(at_least)).run();
}

Result<std::uint64_t> catalog_version(storage::Connection& database) {
  auto query = database.prepare("SELECT version FROM catalog_version WHERE id = 1");
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  return static_cast<std::uint64_t>(query->column_int(0));
}

Result<protocol::Catalog> CatalogStore::catalog_for(const std::string& site, CatalogItems items) {
  return read_catalog(ledger_.database(), site, items);
}

Result<std::uint64_t> CatalogStore::version() { return catalog_version(ledger_.database()); }

Result<std::vector<protocol::CatalogItem>> CatalogStore::items_after(const std::string& after, std::size_t limit) {
  return read_items_after(ledger_.database(), after, limit);
}

Result<CatalogLookup> CatalogStore::lookup() { return CatalogLookup::prepare(ledger_.database()); }

Result<std::size_t> CatalogStore::item_count() { return count_items(ledger_.database()); }

Result<std::vector<std::string>> CatalogStore::sites() { return catalog_sites(ledger_.database()); }

Result<CatalogLookup> CatalogLookup::prepare(storage::Connection& database) {
  static constexpr std::string_view kSql[] = {
      "SELECT 1 FROM catalog_items WHERE sku = ?",
      "SELECT sku, pack_qty FROM catalog_barcodes WHERE code = ?",
      "SELECT location FROM catalog_locations WHERE site = ? AND location_class = ? ORDER BY location LIMIT 1",
  };
  auto statements = storage::StatementSet<Sql>::prepare(database, kSql);
  if (!statements) return statements.error();
  return CatalogLookup(std::move(*statements));
}

Result<bool> CatalogLookup::has_item(const std::string& sku) {
  auto found = storage::first_int(statements_[Sql::kHasItem].bind(1, sku));
  if (!found) return found.error();
  return found->has_value();
}

Result<std::optional<CatalogLookup::Barcode>> CatalogLookup::barcode(const std::string& code) {
  auto found = storage::collect_rows<Barcode>(statements_[Sql::kBarcode].bind(1, code), [](storage::Statement& row) {
    return Barcode{row.column_text(0), row.column_int(1)};
  });
  if (!found) return found.error();
  if (found->empty()) return std::optional<Barcode>();
  return std::optional<Barcode>(std::move(found->front()));
}

Result<std::optional<std::string>> CatalogLookup::first_location(const std::string& site,
                                                                 const std::string& location_class) {
  return storage::first_text(statements_[Sql::kFirstLocation].bind(1, site).bind(2, location_class));
}

namespace {

// Items are read this many at a time: PostgreSQL's backend hands a statement's rows over whole
// when it is first stepped, so that one statement over every item would hold them all.
constexpr std::size_t kItemsPerRead = 10'000;

// The items after SKU `after` in SKU order, at most `limit`, with their barcodes, handed to `item`
// as read_items() does (only those `wanted`, when given); `after` becomes the last SKU read.
// Returns how many items were read, wanted or not: fewer than `limit` at the end.
Result<std::size_t> read_item_page(storage::Statement& page, std::string& after, std::size_t limit,
                                   const std::function<void(protocol::CatalogItem&&)>& item,
                                   const std::function<bool(std::string_view sku)>& wanted) {
  page.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  // An item is handed over once the next one's first row (or the end) shows its barcodes are all
  // in. The rows of an item not wanted are passed over.
  std::optional<protocol::CatalogItem> current;
  std::size_t read = 0;
  bool skipping = false;
  while (true) {
    auto more = page.step();
    if (!more) return more.error();
    if (!*more) break;
    std::string sku = page.column_text(0);
    if (sku != after) {  // the first row of the next item (SKUs are never empty, `after` may be)
      if (current) item(std::move(*current));
      current.reset();
      ++read;
      after = sku;
      skipping = wanted && !wanted(sku);
      if (!skipping) {
        current =
            protocol::CatalogItem{std::move(sku), page.column_text(1), page.column_int(2), page.column_text(3), {}};
      }
    }
    if (!skipping && !page.column_is_null(4)) {
      current->barcodes.push_back(protocol::CatalogBarcode{page.column_text(4), page.column_int(5)});
    }
  }
  page.reset();
  if (current) item(std::move(*current));
  return read;
}

Result<storage::Statement> prepare_item_page(storage::Connection& database) {
  return database.prepare(
      "SELECT i.sku, i.description, i.unit_cost_cents, i.item_class, b.code, b.pack_qty FROM "
      "(SELECT sku, description, unit_cost_cents, item_class FROM catalog_items WHERE sku > ? ORDER BY sku LIMIT ?) i "
      "LEFT JOIN catalog_barcodes b ON b.sku = i.sku ORDER BY i.sku, b.pack_qty, b.code");
}

}  // namespace

Result<void> read_items(storage::Connection& database, const std::function<void(protocol::CatalogItem&&)>& item,
                        const std::function<bool(std::string_view sku)>& wanted) {
  auto page = prepare_item_page(database);
  if (!page) return page.error();
  std::string after;  // "" sorts before every SKU, which is never empty
  while (true) {
    auto read = read_item_page(*page, after, kItemsPerRead, item, wanted);
    if (!read) return read.error();
    if (*read < kItemsPerRead) return {};
  }
}

Result<std::vector<protocol::CatalogItem>> read_items_after(storage::Connection& database, const std::string& after,
                                                            std::size_t limit) {
  auto page = prepare_item_page(database);
  if (!page) return page.error();
  std::vector<protocol::CatalogItem> items;
  std::string last = after;
  auto read = read_item_page(*page, last, limit,
                             [&items](protocol::CatalogItem&& item) { items.push_back(std::move(item)); }, {});
  if (!read) return read.error();
  return items;
}

Result<std::size_t> count_items(storage::Connection& database) {
  auto count = database.prepare("SELECT count(*) FROM catalog_items");
  if (!count) return count.error();
  auto row = count->step();
  if (!row) return row.error();
  return static_cast<std::size_t>(count->column_int(0));
}

Result<SiteCatalogs> read_site_catalogs(storage::Connection& database, const std::vector<std::string>& sites,
                                        std::size_t whole_items, std::size_t items_per_pass) {
  auto snapshot = storage::Transaction::snapshot(database);
  if (!snapshot) return snapshot.error();
  auto count = count_items(database);
  if (!count) return count.error();
  SiteCatalogs read;
  if (*count > whole_items) {
    auto chunks = protocol::chunk_items(
        *count, [&database](const auto& wanted, const auto& item) { return read_items(database, item, wanted); },
        items_per_pass);
    if (!chunks) return chunks.error();
    read.chunks = std::move(*chunks);
  } else {
    auto items = read_items(database, [&read](protocol::CatalogItem&& item) { read.items.push_back(std::move(item)); });
    if (!items) return items.error();
  }
  for (const auto& site : sites) {
    auto catalog = read_catalog(database, site, CatalogItems::kNone);
    if (!catalog) return catalog.error();
    read.sites.push_back(std::move(*catalog));
  }
  if (auto ended = snapshot->commit(); !ended) return ended.error();
  return read;
}

Result<protocol::Catalog> read_catalog(storage::Connection& database, const std::string& site, CatalogItems items) {
  protocol::Catalog catalog;
  catalog.site = site;
  auto version = catalog_version(database);
  if (!version) return version.error();
  catalog.version = *version;
  if (items == CatalogItems::kAll) {
    auto read =
        read_items(database, [&catalog](protocol::CatalogItem&& item) { catalog.items.push_back(std::move(item)); });
    if (!read) return read.error();
  }
  auto locations = database.prepare(
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
  auto users = floor_users_of(database, site);
  if (!users) return users.error();
  catalog.users = std::move(*users);
  return catalog;
}

Result<std::map<std::string, std::string, std::less<>>> read_location_classes(storage::Connection& database,
                                                                              const std::string& site) {
  auto rows = database.prepare("SELECT location, location_class FROM catalog_locations WHERE site = ?");
  if (!rows) return rows.error();
  rows->bind(1, site);
  std::map<std::string, std::string, std::less<>> classes;
  while (true) {
    auto more = rows->step();
    if (!more) return more.error();
    if (!*more) return classes;
    classes.emplace(rows->column_text(0), rows->column_text(1));
  }
}

Result<std::vector<std::string>> catalog_sites(storage::Connection& database) {
  auto query = database.prepare("SELECT site FROM catalog_locations UNION SELECT site FROM floor_users ORDER BY site");
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
