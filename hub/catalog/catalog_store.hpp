// The hub's catalog: items with their barcodes and pack sizes, each site's locations and floor
// users, loaded from CSV files (docs/catalog.md) and turned into the per-site catalogs devices
// cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/csv.hpp"
#include "hub/ledger/audit_log.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"
#include "shared/protocol/messages.hpp"
#include "shared/storage/sqlite.hpp"

namespace recount::hub {

enum class ImportKind { kItems, kLocations, kUsers };
std::string_view to_string(ImportKind kind);

// What an import did, or why it stored nothing: when `errors` is not empty the file was
// rejected as a whole and every problem is listed.
struct ImportReport {
  ImportKind kind = ImportKind::kItems;
  std::size_t rows = 0;           // data rows read
  std::size_t items = 0;          // distinct SKUs (items) or locations (locations)
  std::size_t barcodes = 0;       // items only
  std::size_t sites = 0;          // locations and users: sites in the file
  std::size_t users = 0;          // users only: users in the file
  std::size_t removed = 0;        // users only: badges of those sites no longer in the file
  std::size_t changed_sites = 0;  // users only: sites whose users changed (0: nothing changed)
  std::uint64_t version = 0;      // the catalog version after the import (0 when rejected)
  std::vector<ImportError> errors;
};

// One connection to the hub's database (hub.db, migrated by Ledger::open first). Not
// thread-safe: use it on one thread (the hub's io_context). Blocks on disk I/O.
class CatalogStore {
 public:
  // Errors as storage::Database::open (kNotFound when the file does not exist).
  static Result<CatalogStore> open(const std::filesystem::path& hub_db, WallClock wall = system_wall_clock());

  // Validates the whole CSV; with no error, stores it in one transaction with its audit entry
  // ("catalog.import") and raises the catalog version. A rejected file stores nothing but its
  // audit entry ("catalog.import_rejected": error count, the first error, SHA-256, size). Items: every SKU in the file
  // replaces that item and its set of barcodes; other items stay. Locations: each (site, location) is added or
  // replaced. Users: each site in the file gets exactly the file's users (a badge missing from it
  // is removed; other sites keep theirs); PINs are stored as crypto::hash_pin() makes them, a
  // PIN unchanged since the last import keeps its hash, and the version is raised only when some
  // site's users changed, so importing the same file again changes nothing. The users import's
  // audit entries carry no SHA-256 of the file (with a 4-digit PIN it would reveal the PIN) and
  // no error message quotes a PIN. Returns the report (with errors when rejected); an Error only
  // when SQLite fails. Blocks: a users file costs one PBKDF2 per PIN.
  Result<ImportReport> import_csv(ImportKind kind, std::string_view csv);

  // The catalog devices of `site` get: every item, the site's locations and users, the current
  // version.
  Result<protocol::Catalog> catalog_for(const std::string& site);
  // Sites that have locations or users, in order.
  Result<std::vector<std::string>> sites();

 private:
  CatalogStore(storage::Database database, AuditLog audit, WallClock wall)
      : database_(std::move(database)), audit_(std::move(audit)), wall_(std::move(wall)) {}
  Result<void> store_items(const std::vector<protocol::CatalogItem>& items);
  Result<void> store_locations(const std::vector<std::pair<std::string, protocol::CatalogLocation>>& locations);
  Result<ImportReport> import_users(std::string_view csv);
  Result<void> store_users(const std::string& site, const std::vector<protocol::CatalogUser>& users);
  Result<std::vector<protocol::CatalogUser>> users_of(const std::string& site);
  Result<std::uint64_t> current_version();
  Result<std::uint64_t> bump_version();
  Result<void> audit_rejection(const ImportReport& report, std::string_view csv);

  storage::Database database_;  // first: the audit log's statements are finalised before it closes
  AuditLog audit_;
  WallClock wall_;
};

}  // namespace recount::hub
