// Catalog imports against a real hub database: atomic rejection with every line error, BOM and
// CRLF, case-insensitive headers, per-site catalogs, versions and the audit log.
#include "hub/catalog/catalog_store.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "hub/ledger/ledger.hpp"
#include "tests/hub/catalog_fixtures.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

std::string fixture(const std::string& name) { return testing::catalog_fixture_text(name); }

std::vector<std::size_t> lines_of(const ImportReport& report) {
  std::vector<std::size_t> lines;
  for (const auto& error : report.errors) lines.push_back(error.line);
  return lines;
}

// The whole store on a Ledger of either engine (testing::SqliteLedger, testing::PostgresLedger),
// for the cases about its audit entries.
template <typename Backend>
struct StoreOn : testing::LedgerOn<Backend> {
  CatalogStore catalog = CatalogStore::open(this->ledger).value();
};

}  // namespace

TEST_CASE_TEMPLATE("an items file is stored with GTINs as GTIN-14 and pack sizes, and the site's catalog carries them",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto items = hub.import_csv(ImportKind::kItems, fixture("items.csv"));
  REQUIRE(items.has_value());
  CHECK(items->errors.empty());
  CHECK(items->rows == 5);
  CHECK(items->items == 3);
  CHECK(items->barcodes == 5);
  CHECK(items->version == 1);
  auto locations = hub.import_csv(ImportKind::kLocations, fixture("locations.csv"));
  REQUIRE(locations.has_value());
  CHECK(locations->errors.empty());
  CHECK(locations->items == 4);
  CHECK(locations->sites == 2);
  CHECK(locations->version == 2);

  auto catalog = hub.catalog_for("store-1");
  REQUIRE(catalog.has_value());
  CHECK(catalog->version == 2);
  REQUIRE(catalog->items.size() == 3);
  CHECK(catalog->items[0].sku == "SKU-1");
  CHECK(catalog->items[0].unit_cost_cents == 189);
  REQUIRE(catalog->items[0].barcodes.size() == 2);
  CHECK(catalog->items[0].barcodes[0] == protocol::CatalogBarcode{"05901234123457", 1});
  CHECK(catalog->items[0].barcodes[1] == protocol::CatalogBarcode{"15901234123454", 12});
  CHECK(catalog->items[1].barcodes[0].code == "INT-0002");  // not a GTIN: kept as it is
  CHECK(catalog->locations.size() == 3);
  CHECK(catalog->locations[0] == protocol::CatalogLocation{"A-01", "LOC-A-01", "shelf"});
  CHECK(hub.sites().value() == std::vector<std::string>{"store-1", "store-2"});
}

// What the publisher sends: every site's catalog from one reading, the items read once for all of
// them, whole when few and otherwise chunked in passes inside one snapshot; a site's chunks must be
// those of its whole catalog chunked at once.
TEST_CASE_TEMPLATE("every site's catalog, read once for all sites, is each site's whole catalog, chunked or not",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  std::string items = "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";
  for (int n = 0; n < 5'000; ++n) {
    const auto number = std::to_string(n);
    items.append("SKU-").append(number).append(",Item ").append(number).append(",100,grocery,CODE-");
    items.append(number).append(",1\n");
    if (n % 7 == 0) {
      items.append("SKU-").append(number).append(",Item ").append(number).append(",100,grocery,CASE-");
      items.append(number).append(",12\n");
    }
  }
  REQUIRE(hub.import_csv(ImportKind::kItems, items)->errors.empty());
  REQUIRE(hub.import_csv(ImportKind::kLocations, fixture("locations.csv"))->errors.empty());
  // store-3 has no locations: its catalog carries the items alone.
  const std::vector<std::string> sites{"store-1", "store-2", "store-3"};
  for (const std::size_t whole_items : {std::size_t{4'999}, std::size_t{5'000}}) {
    CAPTURE(whole_items);
    auto read = hub.site_catalogs(sites, whole_items, 1'000);
    REQUIRE_MESSAGE(read, (read ? "" : read.error().describe()));
    REQUIRE(read->sites.size() == sites.size());
    CHECK(read->chunks.has_value() == (whole_items < 5'000));
    CHECK(read->items.size() == (read->chunks ? 0 : 5'000));
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const protocol::Catalog& catalog = read->sites[i];
      CHECK(catalog.site == sites[i]);
      CHECK(catalog.items.empty());
      const auto whole = hub.catalog_for(catalog.site).value();
      CHECK(catalog.locations == whole.locations);
      CHECK(catalog.version == whole.version);
      if (!read->chunks) {
        CHECK(read->items == whole.items);
        continue;
      }
      const auto chunked = protocol::chunk_catalog(whole);
      REQUIRE(chunked.manifest.chunks.size() == 4);
      CHECK(protocol::manifest_of(catalog, *read->chunks) == chunked.manifest);
      for (std::size_t c = 0; c < read->chunks->size(); ++c) {
        CHECK((*read->chunks)[c].payload(catalog.site) == chunked.payloads[c]);
      }
    }
  }
  CHECK(hub.item_count().value() == 5'000);
  CHECK(hub.catalog_for("store-1", CatalogItems::kNone)->items.empty());
}

// After the ledger went back in time the hub raises the version above what it sent (a
// failover to a standby that lagged); a version already higher stays.
TEST_CASE_TEMPLATE("the catalog version is raised to a floor only from below", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kItems, fixture("items.csv")).has_value());
  REQUIRE(raise_catalog_version_to(hub.connection(), 5).has_value());
  CHECK(catalog_version(hub.connection()).value() == 5);
  REQUIRE(raise_catalog_version_to(hub.connection(), 3).has_value());
  CHECK(catalog_version(hub.connection()).value() == 5);
  CHECK(hub.catalog_for("store-1").value().version == 5);
}

TEST_CASE_TEMPLATE("an items file with a BOM, CRLF, mixed-case headers, extra columns and quoted fields is read",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kItems, fixture("items_bom_crlf.csv"));
  REQUIRE(report.has_value());
  CHECK(report->errors.empty());
  CHECK(report->items == 1);
  CHECK(report->barcodes == 2);
  auto catalog = hub.catalog_for("store-1").value();
  REQUIRE(catalog.items.size() == 1);
  CHECK(catalog.items[0].description == "Bolts, M6 \"long\"");
  CHECK(catalog.items[0].barcodes[0] == protocol::CatalogBarcode{"04006381333931", 1});
  CHECK(catalog.items[0].barcodes[1] == protocol::CatalogBarcode{"BOLT-M6-BOX", 100});
}

TEST_CASE_TEMPLATE("a broken items file is rejected as a whole and every bad line is listed", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kItems, fixture("items_broken.csv"));
  REQUIRE(report.has_value());
  CHECK(lines_of(*report) == std::vector<std::size_t>{3, 4, 5, 6, 7});
  CHECK(report->errors[0].field == "barcode");
  CHECK(report->errors[0].message.find("check digit") != std::string::npos);
  CHECK(report->errors[1].field == "sku");
  CHECK(report->errors[2].field == "unit_cost_cents");
  CHECK(report->errors[3].field == "pack_qty");
  CHECK(report->errors[4].message.find("line 2") != std::string::npos);
  CHECK(report->version == 0);
  CHECK(hub.catalog_for("store-1").value().items.empty());  // not even line 2
}

TEST_CASE_TEMPLATE("a file without a required column, or with an unclosed quote, is rejected naming the problem",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto missing = hub.import_csv(ImportKind::kItems, fixture("items_missing_column.csv")).value();
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].line == 1);
  CHECK(missing.errors[0].message == "the header lacks column(s): unit_cost_cents or unit_cost, pack_qty");
  auto unclosed = hub.import_csv(ImportKind::kItems, fixture("items_unclosed_quote.csv")).value();
  REQUIRE(unclosed.errors.size() == 1);
  CHECK(unclosed.errors[0].message.find("not closed") != std::string::npos);
  auto empty = hub.import_csv(ImportKind::kItems, "").value();
  CHECK(empty.errors.size() == 1);
}

TEST_CASE_TEMPLATE("a broken locations file lists bad site ids, repeated locations and reused labels", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kLocations, fixture("locations_broken.csv")).value();
  CHECK(lines_of(report) == std::vector<std::size_t>{2, 4, 5});
  CHECK(report.errors[0].field == "site");
  CHECK(report.errors[1].field == "location");
  CHECK(report.errors[2].field == "label");
}

TEST_CASE_TEMPLATE(
    "a barcode that belongs to another item already is refused, and re-importing an item replaces its codes", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kItems, fixture("items.csv")).value().errors.empty());
  auto clash = hub.import_csv(ImportKind::kItems,
                              "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-7,X,1,a,INT-0002,1\n")
                   .value();
  REQUIRE(clash.errors.size() == 1);
  CHECK(clash.errors[0].message.find("already belongs to SKU SKU-2") != std::string::npos);
  auto replaced = hub.import_csv(ImportKind::kItems,
                                 "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-2,G,5,parts,G-2,1\n")
                      .value();
  CHECK(replaced.errors.empty());
  const auto catalog = hub.catalog_for("store-1").value();
  CHECK(catalog.items[1].barcodes == std::vector<protocol::CatalogBarcode>{{"G-2", 1}});
  CHECK(catalog.version == 2);
}

TEST_CASE_TEMPLATE("every import is appended to the audit log, a rejected one as catalog.import_rejected", Backend,
                   testing::SqliteLedger, testing::PostgresLedger) {
  StoreOn<Backend> hub;
  REQUIRE(hub.catalog.import_csv(ImportKind::kItems, fixture("items.csv")).value().errors.empty());
  REQUIRE(!hub.catalog.import_csv(ImportKind::kItems, fixture("items_broken.csv")).value().errors.empty());
  REQUIRE(!hub.catalog.import_csv(ImportKind::kLocations, "").value().errors.empty());
  auto entries = hub.ledger.audit().entries(0, 100);
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 3);
  CHECK(entries->at(0).kind == "catalog.import");
  CHECK(entries->at(0).subject == "items");
  CHECK(entries->at(0).detail.find("\"version\":1") != std::string::npos);
  CHECK(entries->at(1).kind == "catalog.import_rejected");
  CHECK(entries->at(1).detail.find("\"errors\":5") != std::string::npos);
  CHECK(entries->at(2).subject == "locations");
  CHECK(hub.ledger.audit().verify().value().broken_id == std::nullopt);
}

TEST_CASE_TEMPLATE(
    "an import whose audit entry cannot be appended stores nothing: the change commits with its entry or not", Backend,
    testing::SqliteLedger, testing::PostgresLedger) {
  StoreOn<Backend> hub;
  REQUIRE(hub.catalog.import_csv(ImportKind::kItems, fixture("items.csv")).value().errors.empty());
  const auto before = hub.catalog.catalog_for("store-1").value();
  // The audit log refuses every entry, as a full disk or a broken chain would (on PostgreSQL a
  // refused statement also aborts the rest of its transaction, which the store must roll back).
  const bool sqlite = hub.ledger.database().dialect() == storage::Dialect::kSqlite;
  REQUIRE(hub.ledger.database()
              .execute(sqlite ? "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                                "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
                              : "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                                "$$ BEGIN RAISE EXCEPTION 'audit refused'; END $$; "
                                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
              .has_value());
  CHECK_FALSE(hub.catalog
                  .import_csv(ImportKind::kItems,
                              "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
                              "SKU-1,Changed,1,c,G-9,1\nSKU-9,New,1,c,G-10,1\n")
                  .has_value());
  CHECK_FALSE(hub.catalog.import_csv(ImportKind::kLocations, fixture("locations.csv")).has_value());
  CHECK_FALSE(
      hub.catalog.import_csv(ImportKind::kUsers, "site,badge,name,role,pin\nstore-1,B-1,Ann,counter,\n").has_value());
  CHECK_FALSE(hub.catalog.import_csv(ImportKind::kItems, fixture("items_broken.csv")).has_value());
  REQUIRE(hub.ledger.database()
              .execute(sqlite ? "DROP TRIGGER refuse_audit" : "DROP TRIGGER refuse_audit ON audit_log")
              .has_value());

  CHECK(hub.catalog.catalog_for("store-1").value() == before);
  CHECK(hub.catalog.sites().value().empty());
  CHECK(hub.ledger.audit().entries(0, 100).value().size() == 1);
  // Nothing was left open: the next import commits, with its entry.
  CHECK(hub.catalog.import_csv(ImportKind::kLocations, fixture("locations.csv")).value().version == 2);
  CHECK(hub.ledger.audit().entries(0, 100).value().size() == 2);
}

TEST_CASE_TEMPLATE("a catalog saved from a European spreadsheet (semicolons, BOM, decimal comma in unit_cost) imports",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kItems, fixture("items_european.csv")).value();
  CHECK(report.errors.empty());
  CHECK(report.delimiter == ';');
  CHECK(report.items == 3);
  const auto items = hub.catalog_for("store-1").value().items;
  REQUIRE(items.size() == 3);
  CHECK(items[0].description == "Caf\xC3\xA9 cr\xC3\xA8me 250 g");
  CHECK(items[0].unit_cost_cents == 250);
  CHECK(items[1].description == "Schrauben; M6");
  CHECK(items[1].unit_cost_cents == 5);
  CHECK(items[2].unit_cost_cents == 1200);
}

TEST_CASE_TEMPLATE("a windows-1252 catalog names its first bad line as UTF-8 and imports as windows-1252 or auto",
                   Backend, testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  const auto text = fixture("items_windows1252.csv");
  auto refused = hub.import_csv(ImportKind::kItems, text).value();
  REQUIRE(refused.errors.size() == 1);
  CHECK(format_import_error("items_windows1252.csv", refused.errors[0]) ==
        "items_windows1252.csv:2: byte column 11: byte E8 is not valid UTF-8 (is the file windows-1252? then say so "
        "as its encoding)");
  TableOptions options;
  options.encoding = TextEncoding::kWindows1252;
  auto report = hub.import_csv(ImportKind::kItems, text, options).value();
  CHECK(report.errors.empty());
  CHECK(report.encoding == TextEncoding::kWindows1252);
  const auto items = hub.catalog_for("store-1").value().items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].description == "Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65 \xE2\x82\xAC 2");
  CHECK(items[1].description == "Caf\xC3\xA9 \xE2\x80\x9CNoir\xE2\x80\x9D");
  options.encoding = TextEncoding::kAuto;
  auto again = hub.import_csv(ImportKind::kItems, text, options).value();
  CHECK(again.errors.empty());
  CHECK(again.encoding == TextEncoding::kWindows1252);
}

TEST_CASE_TEMPLATE(
    "a decimal unit_cost is taken beside or instead of unit_cost_cents, and disagreeing ones are an error", Backend,
    testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto decimal = hub.import_csv(ImportKind::kItems, fixture("items_unit_cost.csv")).value();
  CHECK(decimal.errors.empty());
  auto items = hub.catalog_for("store-1").value().items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].unit_cost_cents == 250);
  CHECK(items[1].unit_cost_cents == 300);

  auto disagree = hub.import_csv(ImportKind::kItems, fixture("items_unit_cost_disagree.csv")).value();
  REQUIRE(disagree.errors.size() == 1);
  CHECK(format_import_error("items.csv", disagree.errors[0]) ==
        "items.csv:3: unit_cost: '1.99' is 199 cents but unit_cost_cents says 200 (give one of them, or both "
        "agreeing)");
  CHECK(hub.catalog_for("store-1").value().items.size() == 2);  // the rejected file stored nothing

  auto broken = hub.import_csv(ImportKind::kItems, fixture("items_unit_cost_broken.csv")).value();
  REQUIRE(broken.errors.size() == 2);
  CHECK(broken.errors[0].line == 2);
  CHECK(broken.errors[0].field == "unit_cost");
  CHECK(broken.errors[0].message.find("thousands separators are not accepted") != std::string::npos);
  CHECK(broken.errors[1].line == 3);
  CHECK(broken.errors[1].message.find("3 decimals") != std::string::npos);

  auto neither = hub.import_csv(ImportKind::kItems, "sku,description,item_class,barcode,pack_qty\n").value();
  REQUIRE(neither.errors.size() == 1);
  CHECK(neither.errors[0].message == "the header lacks column(s): unit_cost_cents or unit_cost");
  // Other missing columns are named with it, in the header's order.
  CHECK(hub.import_csv(ImportKind::kItems, "sku,barcode\n").value().errors.at(0).message ==
        "the header lacks column(s): description, unit_cost_cents or unit_cost, item_class, pack_qty");
  // A decimal comma is a decimal only in a ';'-separated file; in a ','-separated one it is refused.
  auto comma = hub.import_csv(ImportKind::kItems,
                              "sku,description,unit_cost,item_class,barcode,pack_qty\nS,d,\"2,50\",c,INT-9,1\n")
                   .value();
  REQUIRE(comma.errors.size() == 1);
  CHECK(comma.errors[0].message == "'2,50': a decimal comma is accepted only in a ';'-separated file (write 2.50)");
}

TEST_CASE_TEMPLATE("a header whose delimiter cannot be told is refused naming the counts", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kItems, fixture("items_delimiter_tie.csv")).value();
  REQUIRE(report.errors.size() == 1);
  CHECK(format_import_error("items_delimiter_tie.csv", report.errors[0]) ==
        "items_delimiter_tie.csv:1: cannot tell the delimiter from the header line (1 ',', 1 ';' and 0 TAB): name "
        "it (',', ';' or TAB)");
  TableOptions options;
  options.delimiter = Delimiter::kSemicolon;
  auto named = hub.import_csv(ImportKind::kItems, fixture("items_delimiter_tie.csv"), options).value();
  REQUIRE(named.errors.size() == 1);
  CHECK(named.errors[0].message.starts_with("the header lacks column(s): sku, description"));
}

TEST_CASE_TEMPLATE("a gzipped items file imports as the same file uncompressed", Backend, testing::SqliteBackend,
                   testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  auto report = hub.import_csv(ImportKind::kItems, fixture("items.csv.gz")).value();
  CHECK(report.errors.empty());
  CHECK(report.items == 3);
  CHECK(report.barcodes == 5);
  auto truncated = hub.import_csv(ImportKind::kItems, fixture("items_truncated.csv.gz")).value();
  REQUIRE(truncated.errors.size() == 1);
  CHECK(truncated.errors[0].message == "is truncated gzip data");
}

}  // namespace recount::hub

namespace recount::hub {
namespace {

// The cases of 200,000 rows (and the large locations and users files) run on SQLite only: on
// PostgreSQL each row is a round trip to the server, and they took 73-108 s each there in a Debug
// build under load (docs/scale-out.md); the batched copy runs on both with 25,000 items below.
const std::string kItemsHeader = "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";

// An items file of `items` rows, one barcode each; the row of `bad_item` (if any) has pack_qty 0.
std::string generated_items(std::size_t items, std::size_t bad_item = SIZE_MAX) {
  std::string text = kItemsHeader;
  for (std::size_t item = 0; item < items; ++item) {
    const auto id = std::to_string(item);
    text.append("GEN-")
        .append(id)
        .append(",\"Generated, item ")
        .append(id)
        .append("\",")
        .append(std::to_string(item % 900));
    text.append(",gen,CODE-").append(id).append(item == bad_item ? ",0\n" : ",1\n");
  }
  return text;
}

template <typename Hub>
std::int64_t count_of(Hub& hub, const char* sql) {
  auto query = hub.connection().prepare(sql);
  REQUIRE(query.has_value());
  REQUIRE(query->step().value());
  return query->column_int(0);
}

}  // namespace

TEST_CASE("an items file of 200,000 rows is read a row at a time and stored whole, the staging tables left empty") {
  testing::CatalogOn<testing::SqliteBackend> hub;
  auto report = hub.import_csv(ImportKind::kItems, generated_items(200'000)).value();
  CHECK(report.errors.empty());
  CHECK(report.rows == 200'000);
  CHECK(report.items == 200'000);
  CHECK(report.barcodes == 200'000);
  CHECK(report.version == 1);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_items") == 200'000);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes WHERE code = 'CODE-199999' AND sku = 'GEN-199999'") == 1);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes") == 200'000);
  CHECK(count_of(hub, "SELECT (SELECT count(*) FROM import_items) + (SELECT count(*) FROM import_barcodes)") == 0);
}

TEST_CASE_TEMPLATE("items imported again with other codes lose their old codes in every batch of the copy", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  REQUIRE(hub.import_csv(ImportKind::kItems, generated_items(25'000)).value().errors.empty());
  // 25,000 items are copied in three statements (10,000 rows each at most).
  std::string recoded = generated_items(25'000);
  for (auto at = recoded.find("CODE-"); at != std::string::npos; at = recoded.find("CODE-", at)) {
    recoded.replace(at, 5, "NEW-");
  }
  auto again = hub.import_csv(ImportKind::kItems, recoded).value();
  CHECK(again.errors.empty());
  CHECK(again.version == 2);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_items") == 25'000);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes") == 25'000);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes WHERE code LIKE 'CODE-%'") == 0);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes WHERE code = 'NEW-0' AND sku = 'GEN-0'") == 1);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes WHERE code = 'NEW-24999' AND sku = 'GEN-24999'") == 1);
  CHECK(count_of(hub, "SELECT (SELECT count(*) FROM import_items) + (SELECT count(*) FROM import_barcodes)") == 0);
}

TEST_CASE("a bad row near the end of a large file refuses the whole import naming its line, the catalog unchanged") {
  testing::CatalogOn<testing::SqliteBackend> hub;
  REQUIRE(hub.import_csv(ImportKind::kItems, fixture("items.csv")).value().errors.empty());
  // Item 199,998 is on line 199,999 + 1 (the header is line 1).
  auto report = hub.import_csv(ImportKind::kItems, generated_items(200'000, 199'998)).value();
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].line == 200'000);
  CHECK(report.errors[0].field == "pack_qty");
  CHECK(report.version == 0);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_items") == 3);
  CHECK(count_of(hub, "SELECT count(*) FROM catalog_barcodes WHERE code LIKE 'CODE-%'") == 0);
  CHECK(count_of(hub, "SELECT version FROM catalog_version") == 1);
  CHECK(count_of(hub, "SELECT (SELECT count(*) FROM import_items) + (SELECT count(*) FROM import_barcodes)") == 0);
  // A problem in the file as a whole past the rows read so far (here a quote left open) stands alone.
  auto unclosed = hub.import_csv(ImportKind::kItems, generated_items(50'000, 10) + "X,\"open,1,c,X-1,1\n");
  REQUIRE(unclosed.has_value());
  REQUIRE(unclosed->errors.size() == 1);
  CHECK(unclosed->errors[0].line == 50'002);
  CHECK(unclosed->errors[0].message.find("not closed") != std::string::npos);
}

TEST_CASE_TEMPLATE("a file of more bad rows than are listed lists the first ones and counts the rest", Backend,
                   testing::SqliteBackend, testing::PostgresBackend) {
  testing::CatalogOn<Backend> hub;
  std::string text = kItemsHeader;
  for (std::size_t item = 0; item < ImportErrors::kMaxListed + 500; ++item)
    text += "S-" + std::to_string(item) + ",d,x,c,B,1\n";
  auto report = hub.import_csv(ImportKind::kItems, text).value();
  CHECK(report.errors.size() == ImportErrors::kMaxListed);
  CHECK(report.unlisted_errors == 500);  // one problem a row: its cost
  CHECK(report.errors.back().line == ImportErrors::kMaxListed + 1);
}

TEST_CASE("a large locations file and a large users file import whole, and their duplicates are found across it") {
  testing::CatalogOn<testing::SqliteBackend> hub;
  std::string locations = "site,location,label,location_class\n";
  for (std::size_t i = 0; i < 60'000; ++i)
    locations += "site-" + std::to_string(i % 7) + ",L-" + std::to_string(i) + ",,shelf\n";
  auto stored = hub.import_csv(ImportKind::kLocations, locations).value();
  CHECK(stored.errors.empty());
  CHECK(stored.items == 60'000);
  CHECK(stored.sites == 7);
  auto repeated = hub.import_csv(ImportKind::kLocations, locations + "site-3,L-3,,shelf\n").value();
  REQUIRE(repeated.errors.size() == 1);
  CHECK(repeated.errors[0].line == 60'002);
  CHECK(repeated.errors[0].message == "site-3/L-3 already appears on line 5");

  std::string users = "site,badge,name,role,pin\n";
  for (std::size_t i = 0; i < 30'000; ++i)
    users += "site-" + std::to_string(i % 5) + ",B" + std::to_string(i) + ",N,counter,\n";
  auto people = hub.import_csv(ImportKind::kUsers, users).value();
  CHECK(people.errors.empty());
  CHECK(people.users == 30'000);
  CHECK(people.sites == 5);
  CHECK(people.changed_sites == 5);
  CHECK(hub.import_csv(ImportKind::kUsers, users).value().changed_sites == 0);
  auto twice = hub.import_csv(ImportKind::kUsers, users + "site-4,B4,N,counter,\n").value();
  REQUIRE(twice.errors.size() == 1);
  CHECK(twice.errors[0].message == "site-4/B4 already appears on line 6");
}

}  // namespace recount::hub
