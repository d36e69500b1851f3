// What the catalog tests share: a fixture file's text and a hub database with its catalog store.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "hub/catalog/catalog_store.hpp"
#include "hub/ledger/ledger.hpp"
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

}  // namespace recount::testing
