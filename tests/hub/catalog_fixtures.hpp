// What the catalog tests share: a fixture file's text and a hub database with its catalog store.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/catalog_schema.hpp"
#include "hub/catalog/catalog_store.hpp"
#include "hub/ledger/ledger.hpp"
#include "tests/hub/storage_backends.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

// The text of tests/data/catalog/NAME.
inline std::string catalog_fixture_text(const std::string& name) {
  std::ifstream in(std::string(RECOUNT_SOURCE_DIR) + "/tests/data/catalog/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh hub database at a fixed time, with the catalog store on it.
struct HubCatalog {
  TempDir dir;
  hub::Ledger ledger =
      hub::Ledger::open(hub::Ledger::file_in(dir.path()), [] { return std::int64_t{1'800'000'000'000}; }).value();
  hub::CatalogStore catalog = hub::CatalogStore::open(ledger).value();
};

// The catalog on a fresh hub database of either engine, for the tests of what imports store
// (TEST_CASE_TEMPLATE over storage_backends.hpp's backends). On SQLite it is the whole store:
// CatalogStore on a Ledger, each import committed with its audit entry. On PostgreSQL each import
// is the table work alone, hub::import_into() in a transaction of the fixture's, committed when the
// report has no error and rolled back otherwise, as CatalogStore's write is (the store's audited
// write runs on both engines in catalog_store_test's cases about audit entries).
template <typename Backend>
struct CatalogOn;

template <>
struct CatalogOn<SqliteBackend> {
  HubCatalog hub;

  storage::Connection& connection() { return hub.ledger.database(); }
  Result<hub::ImportReport> import_csv(hub::ImportKind kind, std::string_view csv,
                                       const hub::TableOptions& options = {}) {
    return hub.catalog.import_csv(kind, csv, options);
  }
  Result<protocol::Catalog> catalog_for(const std::string& site, hub::CatalogItems items = hub::CatalogItems::kAll) {
    return hub.catalog.catalog_for(site, items);
  }
  Result<hub::SiteCatalogs> site_catalogs(const std::vector<std::string>& sites, std::size_t whole_items,
                                          std::size_t items_per_pass) {
    return hub::read_site_catalogs(hub.ledger.database(), sites, whole_items, items_per_pass);
  }
  Result<std::size_t> item_count() { return hub.catalog.item_count(); }
  Result<std::vector<std::string>> sites() { return hub.catalog.sites(); }
};

template <>
struct CatalogOn<PostgresBackend> {
  PostgresBackend backend;
  bool migrated = migrate();

  storage::Connection& connection() { return backend.connection(); }
  Result<hub::ImportReport> import_csv(hub::ImportKind kind, std::string_view csv,
                                       const hub::TableOptions& options = {}) {
    if (auto ok = connection().begin(); !ok) return ok.error();
    auto report = hub::import_into(connection(), kind, csv, options);
    if (!report || !report->errors.empty()) {
      connection().rollback();
      return report;
    }
    if (auto ok = connection().commit(); !ok) return ok.error();
    return report;
  }
  Result<protocol::Catalog> catalog_for(const std::string& site, hub::CatalogItems items = hub::CatalogItems::kAll) {
    return hub::read_catalog(connection(), site, items);
  }
  Result<hub::SiteCatalogs> site_catalogs(const std::vector<std::string>& sites, std::size_t whole_items,
                                          std::size_t items_per_pass) {
    return hub::read_site_catalogs(connection(), sites, whole_items, items_per_pass);
  }
  Result<std::size_t> item_count() { return hub::count_items(connection()); }
  Result<std::vector<std::string>> sites() { return hub::catalog_sites(connection()); }

 private:
  bool migrate() {
    auto done = hub::migrate_catalog(backend.connection());
    REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
    return true;
  }
};

}  // namespace recount::testing
