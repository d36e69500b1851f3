// The baseline import route through the router: its answers (200 with counts, 422 with every line
// error) and that only an admin reaches it. What an import stores is tests/hub/baseline's.
#include "hub/http/baseline_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

struct BaselineRoutes : testing::WriteSide {
  BaselineRoutes() { add_baseline_routes(router, writer, store.ledger); }

  Response post(std::string csv, auth::Role role = auth::Role::kAdmin) {
    return router.handle(
        testing::signed_in(Request::from_target("POST", "/api/v1/import/baseline", std::move(csv)).value(), role));
  }
};

constexpr std::string_view kHeader = "site,location,sku,lot,quantity,as_of\n";

TEST_CASE("the baseline route answers 200 with the import's counts") {
  BaselineRoutes hub;
  const auto response = hub.post(std::string(kHeader) + "site-1,A-1,SKU-1,,10,2026-09-01T00:00:00Z\n");
  INFO(response.body);
  CHECK(response.status == 200);
  CHECK(Json::parse(response.body) == Json{{"kind", "baseline"},
                                           {"rows", 1},
                                           {"stored", 1},
                                           {"unchanged", 0},
                                           {"delimiter", "comma"},
                                           {"encoding", "utf-8"}});
}

TEST_CASE("the baseline route answers a rejected file with 422 invalid_import and every line's error") {
  BaselineRoutes hub;
  const auto response = hub.post(std::string(kHeader) + "site-1,A-1,SKU-1,,ten,2026-09-01T00:00:00Z\n" +
                                 "site 1,A-1,SKU-1,,1,2026-09-01T00:00:00Z\n");
  CHECK(response.status == 422);
  const auto body = Json::parse(response.body);
  CHECK(body["error"]["code"] == "invalid_import");
  REQUIRE(body["errors"].size() == 2);
  CHECK(body["errors"][0]["line"] == 2);
  CHECK(body["errors"][0]["field"] == "quantity");
  CHECK(body["errors"][0]["message"].get<std::string>().find("ten") != std::string::npos);
  CHECK(body["errors"][1]["line"] == 3);
  CHECK(body["errors"][1]["field"] == "site");
}

TEST_CASE("the baseline route is an admin's: a lower role gets 403 and nothing is stored") {
  BaselineRoutes hub;
  const auto response =
      hub.post(std::string(kHeader) + "site-1,A-1,SKU-1,,10,2026-09-01T00:00:00Z\n", auth::Role::kApprover);
  CHECK(response.status == 403);
  CHECK(hub.store.ledger.audit().entries(0, 100).value().empty());
}

}  // namespace
}  // namespace recount::hub
