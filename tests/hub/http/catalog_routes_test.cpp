// The catalog's HTTP routes through the router: imports answer counts or every line error, and an
// accepted import triggers publication; GET /api/v1/catalog serves a site's catalog.
#include "hub/http/catalog_routes.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "hub/ledger/ledger.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

Response call(const Router& router, const std::string& method, const std::string& target, std::string body = {}) {
  auto request = Request::from_target(method, target, std::move(body));
  REQUIRE(request.has_value());
  return router.handle(testing::signed_in(std::move(*request)));
}

}  // namespace

TEST_CASE("import routes answer 200 with counts and publish, or 422 with every line error and do not") {
  testing::TempDir dir;
  auto ledger = Ledger::open(Ledger::file_in(dir.path())).value();
  CatalogStore catalog = CatalogStore::open(ledger).value();
  Router router;
  int published = 0;
  add_catalog_routes(router, catalog, [&] { ++published; });

  const auto rejected = call(router, "POST", "/api/v1/import/items",
                             "SKU,Description,Unit_Cost_Cents,Item_Class,Barcode,Pack_Qty\nA,x,1,c,5901234123458,1\n"
                             "B,y,-1,c,INT-1,0\n");
  CHECK(rejected.status == 422);
  const auto errors = nlohmann::json::parse(rejected.body)["errors"];
  REQUIRE(errors.size() == 3);
  CHECK(errors[0]["line"] == 2);
  CHECK(errors[1]["field"] == "unit_cost_cents");
  CHECK(errors[2]["field"] == "pack_qty");
  CHECK(published == 0);

  const auto items = call(router, "POST", "/api/v1/import/items",
                          "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nA,x,1,c,5901234123457,1\n");
  CHECK(items.status == 200);
  CHECK(nlohmann::json::parse(items.body)["version"] == 1);
  const auto locations = call(router, "POST", "/api/v1/import/locations",
                              "site,location,label,location_class\nstore-1,A-01,L-A-01,shelf\n");
  CHECK(locations.status == 200);
  CHECK(published == 2);

  const auto site = call(router, "GET", "/api/v1/catalog?site=store-1");
  CHECK(site.status == 200);
  const auto body = nlohmann::json::parse(site.body);
  CHECK(body["version"] == 2);
  CHECK(body["items"][0]["barcodes"][0]["code"] == "05901234123457");
  CHECK(body["locations"][0]["label"] == "L-A-01");
  CHECK(call(router, "GET", "/api/v1/catalog").status == 400);
  CHECK(body["next_after"].is_null());
}

// A viewer's request must not make the hub read and encode a catalog of any size whole.
TEST_CASE("GET /api/v1/catalog answers a page of items at a time, in SKU order, with the SKU to go on after") {
  testing::TempDir dir;
  auto ledger = Ledger::open(Ledger::file_in(dir.path())).value();
  CatalogStore catalog = CatalogStore::open(ledger).value();
  Router router;
  add_catalog_routes(router, catalog, [] {});
  std::string items = "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n";
  for (const char* sku : {"E", "B", "D", "A", "C"}) {
    items.append(sku).append(",x,1,c,CODE-").append(sku).append(",1\n");
    items.append(sku).append(",x,1,c,CASE-").append(sku).append(",6\n");
  }
  REQUIRE(call(router, "POST", "/api/v1/import/items", items).status == 200);
  REQUIRE(call(router, "POST", "/api/v1/import/locations", "site,location,label,location_class\ns1,A-01,L,shelf\n")
              .status == 200);
  REQUIRE(call(router, "POST", "/api/v1/import/users", "site,badge,name,role,pin\ns1,B-2,Jo,receiver,\n").status ==
          200);

  std::vector<std::string> skus;
  std::string after;
  for (int page = 0; page < 4; ++page) {  // 5 items, 2 a page: 3 pages, the last not full
    const auto answer =
        call(router, "GET", "/api/v1/catalog?site=s1&limit=2" + (after.empty() ? "" : "&after=" + after));
    REQUIRE(answer.status == 200);
    const auto body = nlohmann::json::parse(answer.body);
    CHECK(body["version"] == 3);
    // The site's locations and users on the first page only.
    if (after.empty()) {
      CHECK(body["locations"].size() == 1);
      CHECK(body["users"].size() == 1);
    } else {
      CHECK_FALSE(body.contains("locations"));
      CHECK_FALSE(body.contains("users"));
    }
    for (const auto& item : body["items"]) {
      skus.push_back(item["sku"]);
      CHECK(item["barcodes"].size() == 2);  // an item's barcodes are never cut by a page
    }
    if (body["next_after"].is_null()) break;
    after = body["next_after"];
    CHECK(after == skus.back());
  }
  CHECK(skus == std::vector<std::string>{"A", "B", "C", "D", "E"});
  CHECK(nlohmann::json::parse(call(router, "GET", "/api/v1/catalog?site=s1&limit=5").body)["next_after"] == "E");
  CHECK(nlohmann::json::parse(call(router, "GET", "/api/v1/catalog?site=s1").body)["items"].size() == 5);
  CHECK(call(router, "GET", "/api/v1/catalog?site=s1&limit=0").status == 400);
  CHECK(call(router, "GET", "/api/v1/catalog?site=s1&limit=1001").status == 400);
  const auto bad_after = call(router, "GET", "/api/v1/catalog?site=s1&after=%01");
  CHECK(bad_after.status == 400);
  CHECK(bad_after.body.find("after") != std::string::npos);
}

}  // namespace recount::hub

namespace recount::hub {

TEST_CASE(
    "the users import route answers its counts, and GET /api/v1/catalog shows whether a user has a PIN, not its hash") {
  testing::TempDir dir;
  auto ledger = Ledger::open(Ledger::file_in(dir.path())).value();
  CatalogStore catalog = CatalogStore::open(ledger).value();
  Router router;
  int published = 0;
  add_catalog_routes(router, catalog, [&] { ++published; });

  const auto rejected = call(router, "POST", "/api/v1/import/users", "site,badge,name,role,pin\ns1,B-1,Ann,boss,12\n");
  CHECK(rejected.status == 422);
  CHECK(nlohmann::json::parse(rejected.body)["errors"].size() == 2);
  CHECK(published == 0);

  const auto users = call(router, "POST", "/api/v1/import/users",
                          "site,badge,name,role,pin\ns1,B-1,Ann,counter,4711\ns1,B-2,Jo,receiver,\n");
  CHECK(users.status == 200);
  const auto report = nlohmann::json::parse(users.body);
  CHECK(report["kind"] == "users");
  CHECK(report["users"] == 2);
  CHECK(report["removed"] == 0);
  CHECK(report["changed_sites"] == 1);
  CHECK(report["version"] == 1);
  CHECK(published == 1);

  const auto site = call(router, "GET", "/api/v1/catalog?site=s1");
  CHECK(site.status == 200);
  const auto body = nlohmann::json::parse(site.body);
  CHECK(body["users"] == nlohmann::json::parse(R"([{"badge":"B-1","name":"Ann","role":"counter","pin":true},)"
                                               R"({"badge":"B-2","name":"Jo","role":"receiver","pin":false}])"));
  CHECK(site.body.find("pbkdf2") == std::string::npos);
}

}  // namespace recount::hub
