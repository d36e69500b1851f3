// The hub's catalog: items with their barcodes and pack sizes, each site's locations and floor
// users, loaded from CSV files (docs/catalog.md) and turned into the per-site catalogs devices
// cache.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/csv.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/catalog_chunks.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/connection.hpp"
#include "shared/storage/statement_set.hpp"

namespace recount::hub {

enum class ImportKind { kItems, kLocations, kUsers };
std::string_view to_string(ImportKind kind);

// What an import did, or why it stored nothing: when `errors` is not empty the file was
// rejected as a whole and every problem is listed.
struct ImportReport {
  ImportKind kind = ImportKind::kItems;
  std::size_t rows = 0;                         // data rows read
  std::size_t items = 0;                        // distinct SKUs (items) or locations (locations)
  std::size_t barcodes = 0;                     // items only
  std::size_t sites = 0;                        // locations and users: sites in the file
  std::size_t users = 0;                        // users only: users in the file
  std::size_t removed = 0;                      // users only: badges of those sites no longer in the file
  std::size_t changed_sites = 0;                // users only: sites whose users changed (0: nothing changed)
  std::uint64_t version = 0;                    // the catalog version after the import (0 when rejected)
  char delimiter = ',';                         // the delimiter the file was read with (given or detected)
  TextEncoding encoding = TextEncoding::kUtf8;  // the encoding it was read in (never kAuto)
  std::vector<ImportError> errors;              // the first ImportErrors::kMaxListed problems, in file order
  std::size_t unlisted_errors = 0;              // problems past those
};

// A product code as the catalog stores it: a GTIN-8/12/13/14 as GTIN-14 (its check digit
// checked), any other code as given. Errors: kInvalidInput naming "barcode".
Result<std::string> catalog_code(const std::string& code);

// The catalog's tables on one connection, without the ledger: what CatalogStore does apart from
// its write transaction and its audit entry, so that the same SQL serves SQLite and PostgreSQL
// (docs/scale-out.md) whoever holds the transaction. Each blocks on the engine.

// Validates the whole CSV (see CatalogStore::import_csv) and, when no row has a problem, stores it
// in the catalog tables on `database` and raises the version; a users file whose sites' users are
// unchanged leaves the version alone. Call it inside a write transaction of the caller's: it
// stages the file there (begin_import_staging), and a report with errors leaves staged rows for
// the caller to roll back, while a report without errors is ready to commit. Returns the report
// (errors listed when rejected); an Error when the engine fails, and then the caller rolls back.
Result<ImportReport> import_into(storage::Connection& database, ImportKind kind, std::string_view csv,
                                 const TableOptions& options = {});

// The catalog version devices get now. Errors: the engine's.
Result<std::uint64_t> catalog_version(storage::Connection& database);
// Raises the catalog version by one, in the caller's write transaction; returns the new one.
// Errors: the engine's.
Result<std::uint64_t> raise_catalog_version(storage::Connection& database);
// Raises the catalog version to `at_least` if it is below, in the caller's write transaction: the
// ledger went back in time (a failover to a standby that lagged) and devices hold a catalog of a
// version it lost. Errors: the engine's.
Result<void> raise_catalog_version_to(storage::Connection& database, std::uint64_t at_least);

// The catalog devices of `site` get: every item, the site's locations and users, the current
// version; with CatalogItems::kNone, all that but the items. Errors: the engine's.
enum class CatalogItems { kAll, kNone };
Result<protocol::Catalog> read_catalog(storage::Connection& database, const std::string& site,
                                       CatalogItems items = CatalogItems::kAll);
// Every item with its barcodes, in SKU order, handed to `item` one at a time: a catalog of any
// size is never in memory whole, on either engine (the items are read 10,000 at a time). With `wanted`, only the items
// whose SKU it wants are made and handed over. Errors: the engine's.
Result<void> read_items(storage::Connection& database, const std::function<void(protocol::CatalogItem&&)>& item,
                        const std::function<bool(std::string_view sku)>& wanted = {});
// Up to `limit` items after SKU `after` ("": from the first), in SKU order, with their barcodes:
// a page of the catalog. Errors: the engine's.
Result<std::vector<protocol::CatalogItem>> read_items_after(storage::Connection& database, const std::string& after,
                                                            std::size_t limit);
// How many items the catalog has. Errors: the engine's.
Result<std::size_t> count_items(storage::Connection& database);
// Every site's catalog, read for all of them at once: every site's carries the same items, so they
// are read, and chunked, once.
struct SiteCatalogs {
  std::vector<protocol::Catalog> sites;      // each site's catalog without its items, in the order asked
  std::vector<protocol::CatalogItem> items;  // every item, when there are at most `whole_items`
  std::optional<std::vector<protocol::SharedCatalogChunk>> chunks;  // otherwise their chunks
};
// The catalogs of `sites` from one consistent reading of the database (a snapshot): the items
// whole when there are at most `whole_items`, otherwise as chunks (protocol::chunk_items: the
// items read again for each group of chunks holding about `items_per_pass`). Memory holds the
// items or their chunks, and the sites' locations and users. Call it outside a transaction.
// Errors: the engine's.
Result<SiteCatalogs> read_site_catalogs(storage::Connection& database, const std::vector<std::string>& sites,
                                        std::size_t whole_items, std::size_t items_per_pass);
// Sites that have locations or users, in order. Errors: the engine's.
Result<std::vector<std::string>> catalog_sites(storage::Connection& database);
// The locations of `site` with their classes (location -> class). Errors: the engine's.
Result<std::map<std::string, std::string, std::less<>>> read_location_classes(storage::Connection& database,
                                                                              const std::string& site);

// What the catalog says of one SKU, barcode or location class at a time, from statements prepared
// once: an import of a connected system's report resolves its rows without reading the catalog
// whole (which took every import over a 500,000-item catalog to hundreds of MiB). Not
// thread-safe; must not outlive the connection. Each call blocks on the engine.
class CatalogLookup {
 public:
  // Errors: the engine's.
  static Result<CatalogLookup> prepare(storage::Connection& database);

  // Whether the catalog has item `sku`.
  Result<bool> has_item(const std::string& sku);
  // The item and pack size of `code` (as catalog_code() stores it), or nullopt.
  struct Barcode {
    std::string sku;
    std::int64_t pack_qty = 1;
  };
  Result<std::optional<Barcode>> barcode(const std::string& code);
  // The first location of `site` (in location order) of class `location_class`, or nullopt.
  Result<std::optional<std::string>> first_location(const std::string& site, const std::string& location_class);

 private:
  enum class Sql { kHasItem, kBarcode, kFirstLocation, kCount };
  explicit CatalogLookup(storage::StatementSet<Sql> statements) : statements_(std::move(statements)) {}
  storage::StatementSet<Sql> statements_;
};

// What map_barcode stored.
struct MappedBarcode {
  std::string code;           // as stored (catalog_code)
  std::uint64_t version = 0;  // the catalog version it raised
};

// The catalog tables of the hub database, on the ledger's connection: an import writes them in a
// LedgerWrite with its audit entry, so the change and its entry commit together or not at all.
// Not thread-safe: use it on the ledger's thread (the hub's io_context). Blocks on disk I/O.
class CatalogStore {
 public:
  // Creates or migrates the catalog tables (hub/catalog/catalog_schema.hpp) on the ledger's
  // database; call it outside any write. `ledger` must outlive the store.
  static Result<CatalogStore> open(Ledger& ledger);

  // Validates the whole CSV; with no error, stores it in one ledger write with its audit entry
  // ("catalog.import") and raises the catalog version. A rejected file stores nothing but its
  // audit entry ("catalog.import_rejected": error count, the first error, SHA-256, size). Items: every SKU in the file
  // replaces that item and its set of barcodes; other items stay. Locations: each (site, location) is added or
  // replaced. Users: each site in the file gets exactly the file's users (a badge missing from it
  // is removed; other sites keep theirs); PINs are stored as crypto::hash_pin() makes them, a
  // PIN unchanged since the last import keeps its hash, and the version is raised only when some
  // site's users changed, so importing the same file again changes nothing. The users import's
  // audit entries carry no SHA-256 of the file (with a 4-digit PIN it would reveal the PIN) and
  // no error message quotes a PIN. Returns the report (with errors when rejected); an Error only
  // when SQLite fails, and then nothing is stored, the audit entry included. Blocks: a users file
  // costs one PBKDF2 per PIN.
  // The file is read a row at a time by a TableReader under `options` (the delimiter detected,
  // UTF-8 unless said otherwise) into the staging tables (catalog schema step 3) inside the
  // import's write, and copied from there only when no row has a problem: memory stays bounded
  // (SQLite's page cache, a window of the file, a row) whatever the file's size. The first
  // ImportErrors::kMaxListed problems are listed, the rest counted (unlisted_errors). Items take the cost as
  // `unit_cost_cents` (whole cents) or `unit_cost` (a decimal amount, parse_cents(); a decimal comma in a ';'-separated
  // file) or both, which must then agree.
  Result<ImportReport> import_csv(ImportKind kind, std::string_view csv, const TableOptions& options = {});

  // Gives item `sku` the barcode `code` (pack_qty base units a scan) in `write`, as an items
  // import that adds that one row would: the code stored as catalog_code() makes it, an audit
  // entry "catalog.map_barcode" naming `actor` (the operator, never a name from the request), the
  // version raised. The same code mapped again to the same item changes its pack_qty. Errors
  // (nothing written): kInvalidInput naming barcode or pack_qty (1 to 1000000000); kNotFound
  // naming sku when the catalog has no such item; kConflict naming barcode when another item
  // owns the code. Blocks on SQLite; commits nothing (the caller commits `write`).
  Result<MappedBarcode> map_barcode(LedgerWrite& write, const std::string& code, const std::string& sku,
                                    std::int64_t pack_qty, const std::string& actor);

  // read_catalog(), count_items() and catalog_sites() on the ledger's database.
  Result<protocol::Catalog> catalog_for(const std::string& site, CatalogItems items = CatalogItems::kAll);
  // catalog_version() on the ledger's database.
  Result<std::uint64_t> version();
  Result<std::size_t> item_count();
  Result<std::vector<std::string>> sites();
  // read_items_after() on the ledger's database.
  Result<std::vector<protocol::CatalogItem>> items_after(const std::string& after, std::size_t limit);
  // A CatalogLookup on the ledger's database.
  Result<CatalogLookup> lookup();

 private:
  explicit CatalogStore(Ledger& ledger) : ledger_(ledger) {}
  Result<void> audit_rejection(const ImportReport& report, std::string_view csv, const TableOptions& options);

  Ledger& ledger_;
};

}  // namespace recount::hub
