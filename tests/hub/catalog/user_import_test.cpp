// The floor users import against a real hub database: per-site replacement, PIN hashes instead of
// PINs, idempotent re-imports, named line errors and the audit log.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "hub/catalog/catalog_store.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/hub/catalog_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

using testing::HubCatalog;

std::string fixture(const std::string& name) { return testing::catalog_fixture_text(name); }

// Every byte of the hub's database files, to search for a PIN.
std::string database_bytes(const std::filesystem::path& directory) {
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bytes += text.str();
  }
  return bytes;
}

}  // namespace

TEST_CASE_TEMPLATE("a users file is stored per site with PIN hashes, and each site's catalog carries its own users",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kUsers, fixture("users.csv"));
  REQUIRE(report.has_value());
  CHECK(report->errors.empty());
  CHECK(report->rows == 3);
  CHECK(report->users == 3);
  CHECK(report->sites == 2);
  CHECK(report->changed_sites == 2);
  CHECK(report->removed == 0);
  CHECK(report->version == 1);

  const auto store1 = hub.catalog_for("store-1").value();
  CHECK(store1.version == 1);
  REQUIRE(store1.users.size() == 2);
  CHECK(store1.users[0].badge == "B-0193");
  CHECK(store1.users[0].name == "Ann Lee");
  CHECK(store1.users[0].role == "counter");
  CHECK(crypto::verify_pin("4711", store1.users[0].pin_hash).value() == crypto::PinMatch::kMatch);
  CHECK(store1.users[1].badge == "B-0200");
  CHECK(store1.users[1].pin_hash.empty());
  const auto store2 = hub.catalog_for("store-2").value();
  REQUIRE(store2.users.size() == 1);
  CHECK(store2.users[0].name == "Sam Roe");
  CHECK(crypto::verify_pin("90210", store2.users[0].pin_hash).value() == crypto::PinMatch::kMatch);
  // A site with users but no locations still gets a catalog.
  CHECK(hub.sites().value() == std::vector<std::string>{"store-1", "store-2"});
}

TEST_CASE("no PIN is in the hub's database in clear, nor in its audit log") {
  HubCatalog hub;
  REQUIRE(hub.catalog.import_csv(ImportKind::kUsers, "site,badge,name,role,pin\ns1,B-1,Ann,counter,80417263\n")
              .value()
              .errors.empty());
  // A rejected file holding a PIN leaves no trace of it either.
  REQUIRE(!hub.catalog.import_csv(ImportKind::kUsers, "site,badge,name,role,pin\ns1,B-2,Jo,chief,59317742\n")
               .value()
               .errors.empty());
  const auto bytes = database_bytes(hub.dir.path());
  CHECK(bytes.find("80417263") == std::string::npos);
  CHECK(bytes.find("59317742") == std::string::npos);
  CHECK(bytes.find("pbkdf2-sha256$") != std::string::npos);  // the hash is there instead
  for (const auto& entry : hub.ledger.audit().entries(0, 100).value()) {
    CHECK(entry.detail.find("sha256") == std::string::npos);
  }
}

TEST_CASE_TEMPLATE("importing the same users file again changes nothing: same hashes, same catalog version", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kUsers, fixture("users.csv")).value().errors.empty());
  const auto before = hub.catalog_for("store-1").value();
  auto again = hub.import_csv(ImportKind::kUsers, fixture("users.csv")).value();
  CHECK(again.errors.empty());
  CHECK(again.changed_sites == 0);
  CHECK(again.version == 1);
  CHECK(hub.catalog_for("store-1").value() == before);
}

TEST_CASE_TEMPLATE(
    "a re-import replaces a site's users: a missing badge is removed, a new PIN rehashed, other sites kept", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kUsers, fixture("users.csv")).value().errors.empty());
  const auto old_hash = hub.catalog_for("store-1").value().users[0].pin_hash;
  auto report =
      hub.import_csv(ImportKind::kUsers, "site,badge,name,role,pin\nstore-1,B-0193,Ann Lee,counter,1111\n").value();
  CHECK(report.errors.empty());
  CHECK(report.removed == 1);
  CHECK(report.changed_sites == 1);
  CHECK(report.version == 2);
  const auto store1 = hub.catalog_for("store-1").value();
  REQUIRE(store1.users.size() == 1);
  CHECK(store1.users[0].pin_hash != old_hash);
  CHECK(crypto::verify_pin("1111", store1.users[0].pin_hash).value() == crypto::PinMatch::kMatch);
  CHECK(crypto::verify_pin("4711", store1.users[0].pin_hash).value() == crypto::PinMatch::kMismatch);
  CHECK(hub.catalog_for("store-2").value().users.size() == 1);  // not in the file: kept
}

TEST_CASE_TEMPLATE("a broken users file is rejected as a whole, each problem named by line and column, no PIN quoted",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kUsers, fixture("users.csv")).value().errors.empty());
  auto report = hub.import_csv(ImportKind::kUsers, fixture("users_broken.csv")).value();
  std::vector<std::pair<std::size_t, std::string>> problems;
  for (const auto& error : report.errors) {
    problems.emplace_back(error.line, error.field);
    CHECK(error.message.find("12a4x") == std::string::npos);
  }
  CHECK(problems == std::vector<std::pair<std::size_t, std::string>>{
                        {2, "site"}, {3, "badge"}, {4, "name"}, {5, "role"}, {6, "pin"}, {7, "pin"}, {9, "badge"}});
  CHECK(report.errors.back().message.find("line 8") != std::string::npos);
  CHECK(report.version == 0);
  // Nothing of it was stored: the earlier users stand.
  CHECK(hub.catalog_for("store-1").value().users.size() == 2);
  CHECK(hub.catalog_for("store-1").value().version == 1);

  auto missing = hub.import_csv(ImportKind::kUsers, "site,badge,name,pin\ns1,B-1,Ann,1234\n").value();
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].line == 1);
  CHECK(missing.errors[0].message.find("role") != std::string::npos);
}

TEST_CASE_TEMPLATE("an empty pin, or a short row without one, is a user without a PIN", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report =
      hub.import_csv(ImportKind::kUsers, "site,badge,name,role,pin\ns1,B-1,Ann,counter,\ns1,B-2,Jo,receiver\n").value();
  CHECK(report.errors.empty());
  const auto users = hub.catalog_for("s1").value().users;
  REQUIRE(users.size() == 2);
  CHECK(users[0].pin_hash.empty());
  CHECK(users[1].pin_hash.empty());
}

TEST_CASE("each users import is audited with its counts, a rejected one as catalog.import_rejected") {
  HubCatalog hub;
  REQUIRE(hub.catalog.import_csv(ImportKind::kUsers, fixture("users.csv")).value().errors.empty());
  REQUIRE(hub.catalog.import_csv(ImportKind::kUsers, fixture("users.csv")).value().errors.empty());
  REQUIRE(!hub.catalog.import_csv(ImportKind::kUsers, fixture("users_broken.csv")).value().errors.empty());
  const auto entries = hub.ledger.audit().entries(0, 100).value();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].kind == "catalog.import");
  CHECK(entries[0].subject == "users");
  CHECK(entries[0].detail.find("\"changed_sites\":2") != std::string::npos);
  CHECK(entries[1].detail.find("\"changed_sites\":0") != std::string::npos);
  CHECK(entries[2].kind == "catalog.import_rejected");
  CHECK(entries[2].detail.find("\"errors\":7") != std::string::npos);
  CHECK(hub.ledger.audit().verify().value().broken_id == std::nullopt);
}

}  // namespace recount::hub
