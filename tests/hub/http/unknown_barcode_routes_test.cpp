// The unknown-barcode routes through the router: the listing with its filters, and a mapping that
// republishes and announces, or is refused with a stable code naming the member.
#include "hub/http/unknown_barcode_routes.hpp"

#include <doctest/doctest.h>

#include "hub/ledger/ledger.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

struct Routes {
  testing::TempDir dir;
  Ledger ledger = Ledger::open(Ledger::file_in(dir.path())).value();
  CatalogStore catalog = CatalogStore::open(ledger).value();
  UnknownBarcodes unknown = UnknownBarcodes::open(ledger).value();
  Router router;
  int published = 0;
  std::vector<UnknownBarcode> announced;

  Routes() {
    REQUIRE(catalog
                .import_csv(ImportKind::kItems,
                            "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-1,W,1,g,INT-1,1\n")
                .value()
                .errors.empty());
    add_unknown_barcode_routes(
        router, unknown, catalog, [] { return std::int64_t{1'800'000'000'000}; }, [this] { ++published; });
    unknown.on_change([this](const UnknownBarcode& entry) { announced.push_back(entry); });
    Event event;
    event.type = EventType::kUnknownBarcode;
    event.barcode = "X-9";
    event.qty = 1;
    event.wall_ms = 1000;
    auto write = ledger.begin_write().value();
    REQUIRE(unknown.record(write, "s1", "dev-1", {&event}).has_value());
    REQUIRE(write.commit().has_value());
  }

  Response call(const std::string& method, const std::string& target, std::string body = {},
                auth::Role role = auth::Role::kAdmin) {
    auto request = Request::from_target(method, target, std::move(body));
    REQUIRE(request.has_value());
    return router.handle(testing::signed_in(std::move(*request), role));
  }
};

std::string error_code(const Response& response) { return Json::parse(response.body)["error"]["code"]; }
std::string error_message(const Response& response) { return Json::parse(response.body)["error"]["message"]; }

}  // namespace

TEST_CASE("GET /api/v1/unknown-barcodes lists the open entries by default, filtered by site and state") {
  Routes routes;
  const auto open = routes.call("GET", "/api/v1/unknown-barcodes", {}, auth::Role::kViewer);
  REQUIRE(open.status == 200);
  const auto entry = Json::parse(open.body)["barcodes"].at(0);
  CHECK(entry["site"] == "s1");
  CHECK(entry["barcode"] == "X-9");
  CHECK(entry["scans"] == 1);
  CHECK(entry["devices"] == Json::array({"dev-1"}));
  CHECK(entry["first_seen_ms"] == 1000);
  CHECK(entry["state"] == "open");
  CHECK(entry["sku"].is_null());
  CHECK(entry["pack_qty"].is_null());
  CHECK(entry["applied"] == 0);
  CHECK(Json::parse(routes.call("GET", "/api/v1/unknown-barcodes?site=s2").body)["barcodes"].empty());
  CHECK(Json::parse(routes.call("GET", "/api/v1/unknown-barcodes?state=mapped").body)["barcodes"].empty());
  CHECK(Json::parse(routes.call("GET", "/api/v1/unknown-barcodes?state=all&site=s1").body)["barcodes"].size() == 1);

  const auto bad_state = routes.call("GET", "/api/v1/unknown-barcodes?state=closed");
  CHECK(bad_state.status == 400);
  CHECK(error_message(bad_state).starts_with("state:"));
  const auto bad_site = routes.call("GET", "/api/v1/unknown-barcodes?site=a%20b");
  CHECK(bad_site.status == 400);
  CHECK(error_message(bad_site).starts_with("site:"));
}

TEST_CASE("POST /api/v1/unknown-barcodes/map maps as the token's owner, republishes and announces the entry") {
  Routes routes;
  const auto mapped = routes.call("POST", "/api/v1/unknown-barcodes/map",
                                  R"({"site":"s1","barcode":"X-9","sku":"SKU-1","pack_qty":12})");
  REQUIRE(mapped.status == 200);
  const auto entry = Json::parse(mapped.body);
  CHECK(entry["state"] == "mapped");
  CHECK(entry["sku"] == "SKU-1");
  CHECK(entry["pack_qty"] == 12);
  CHECK(entry["mapped_by"] == "ops-anna");
  CHECK(entry["mapped_ms"] == 1'800'000'000'000);
  CHECK(routes.published == 1);
  REQUIRE(routes.announced.size() == 1);
  CHECK(routes.announced[0].sku == "SKU-1");
}

TEST_CASE("a mapping is refused with a stable code naming the member, and nothing is published") {
  Routes routes;
  struct Case {
    const char* body;
    unsigned status;
    const char* code;
    const char* member;
  };
  const Case cases[] = {
      {R"(not json)", 400, "invalid_input", "body"},
      {R"({"barcode":"X-9","sku":"SKU-1"})", 400, "invalid_input", "site"},
      {R"({"site":"s1","sku":"SKU-1"})", 400, "invalid_input", "barcode"},
      {R"({"site":"s1","barcode":"X-9","sku":""})", 400, "invalid_input", "sku"},
      {R"({"site":"s1","barcode":"X-9","sku":"SKU-1","pack_qty":0})", 400, "invalid_input", "pack_qty"},
      {R"({"site":"s1","barcode":"X-9","sku":"SKU-1","pack_qty":"6"})", 400, "invalid_input", "pack_qty"},
      {R"({"site":"s1","barcode":"X-9","sku":"SKU-1","pack_qty":1000000001})", 400, "invalid_input", "pack_qty"},
      {R"({"site":"s 1","barcode":"X-9","sku":"SKU-1"})", 400, "invalid_input", "site"},
      {R"({"site":"s1","barcode":"NEVER","sku":"SKU-1"})", 404, "not_found", "barcode"},
      {R"({"site":"s1","barcode":"X-9","sku":"SKU-404"})", 422, "unknown_sku", "sku"},
      {R"({"site":"s1","barcode":"INT-1","sku":"SKU-1"})", 404, "not_found", "barcode"},
  };
  for (const auto& each : cases) {
    CAPTURE(each.body);
    const auto answer = routes.call("POST", "/api/v1/unknown-barcodes/map", each.body);
    CHECK(answer.status == each.status);
    CHECK(error_code(answer) == each.code);
    CHECK(error_message(answer).starts_with(std::string(each.member) + ":"));
  }
  // A barcode another item already has.
  Event event;
  event.type = EventType::kUnknownBarcode;
  event.barcode = "INT-1";
  event.qty = 1;
  event.wall_ms = 1000;
  auto write = routes.ledger.begin_write().value();
  REQUIRE(routes.unknown.record(write, "s1", "dev-1", {&event}).has_value());
  REQUIRE(write.commit().has_value());
  const auto taken =
      routes.call("POST", "/api/v1/unknown-barcodes/map", R"({"site":"s1","barcode":"INT-1","sku":"SKU-2"})");
  CHECK(taken.status == 422);  // SKU-2 does not exist: the SKU is checked first
  REQUIRE(routes.catalog
              .import_csv(ImportKind::kItems,
                          "sku,description,unit_cost_cents,item_class,barcode,pack_qty\nSKU-2,G,1,g,INT-2,1\n")
              .value()
              .errors.empty());
  const auto conflict =
      routes.call("POST", "/api/v1/unknown-barcodes/map", R"({"site":"s1","barcode":"INT-1","sku":"SKU-2"})");
  CHECK(conflict.status == 409);
  CHECK(error_code(conflict) == "barcode_taken");
  CHECK(error_message(conflict).starts_with("barcode:"));

  const auto viewer = routes.call("POST", "/api/v1/unknown-barcodes/map",
                                  R"({"site":"s1","barcode":"X-9","sku":"SKU-1"})", auth::Role::kApprover);
  CHECK(viewer.status == 403);
  CHECK(routes.published == 0);
  CHECK(routes.announced.empty());
}

}  // namespace recount::hub
