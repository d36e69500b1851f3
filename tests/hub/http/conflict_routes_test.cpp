// The conflict routes over a real ledger: listing what ingest kept, and reviews through the
// shared write path, audited.
#include "hub/http/conflict_routes.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "shared/protocol/codec.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// device-1 stored seqs 1 and 2, then sent another seq 2 (qty 99) and another seq 1 (qty 98).
struct ConflictHub : testing::WriteSide {
  ConflictHub() {
    const auto origin = testing::origin_of("device-1");
    store.apply(testing::batch_of(origin, 1, 2));
    auto forged = testing::batch_of(origin, 1, 2);
    forged.events[1].qty = 99;
    forged.events[0].qty = 98;
    store.apply(forged);
    add_conflict_routes(router, store.ledger, writer);
  }

  // As the admin token "lead-1" unless told otherwise.
  Json call(const std::string& method, const std::string& target, const std::string& body, unsigned status,
            auth::Role role = auth::Role::kAdmin, const std::string& name = "lead-1") {
    const auto response =
        router.handle(testing::signed_in(Request::from_target(method, target, body).value(), role, name));
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
};

TEST_CASE("conflicts are listed with both versions of the event, by device if asked, a page at a time") {
  ConflictHub hub;
  const auto all = hub.call("GET", "/api/v1/conflicts", "", 200);
  REQUIRE(all["conflicts"].size() == 2);
  const auto& first = all["conflicts"][0];
  CHECK(first["device"] == "device-1");
  CHECK(first["seq"] == 1);
  CHECK(first["stored"]["qty"] == 3);
  CHECK(first["received"]["qty"] == 98);
  CHECK(first["stored"]["event_id"] == first["received"]["event_id"]);
  CHECK_FALSE(first["stored"].contains("v"));
  CHECK(first["reviewed_ms"].is_null());
  CHECK(first["reviewed_by"].is_null());
  CHECK(all["next_after"].is_null());

  const auto page = hub.call("GET", "/api/v1/conflicts?limit=1", "", 200);
  REQUIRE(page["conflicts"].size() == 1);
  const auto rest = hub.call("GET", "/api/v1/conflicts?after=" + page["next_after"].dump(), "", 200);
  REQUIRE(rest["conflicts"].size() == 1);
  CHECK(rest["conflicts"][0]["seq"] == 2);
  CHECK(hub.call("GET", "/api/v1/conflicts?device=device-2", "", 200)["conflicts"].empty());
}

TEST_CASE("a review marks a conflict reviewed by its token's name, audits it, and keeps the first review") {
  ConflictHub hub;
  const auto id = hub.call("GET", "/api/v1/conflicts", "", 200)["conflicts"][0]["id"].get<std::int64_t>();
  const auto reviewed = hub.call("POST", "/api/v1/conflicts/" + std::to_string(id) + "/review", "", 200);
  CHECK(reviewed["conflict"]["reviewed_by"] == "lead-1");
  CHECK(reviewed["conflict"]["reviewed_ms"].is_number());
  CHECK(hub.store.ledger.events().unreviewed_conflicts().value() == 1);
  const auto entries = hub.store.ledger.audit().entries(0, 1000).value();
  CHECK(std::any_of(entries.begin(), entries.end(),
                    [](const AuditEntry& entry) { return entry.kind == "sync.conflict_reviewed"; }));
  const auto again = hub.call("POST", "/api/v1/conflicts/" + std::to_string(id) + "/review", R"({"operator":"lead-2"})",
                              200, auth::Role::kAdmin, "lead-2");
  CHECK(again["conflict"]["reviewed_by"] == "lead-1");
}

TEST_CASE(
    "a review with a bad id, an unknown id, a bad body or another operator's name is refused naming the problem") {
  ConflictHub hub;
  CHECK(hub.call("POST", "/api/v1/conflicts/x1/review", R"({"operator":"lead-1"})", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("id:"));
  CHECK(hub.call("POST", "/api/v1/conflicts/0/review", R"({"operator":"lead-1"})", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("id:"));
  CHECK(hub.call("POST", "/api/v1/conflicts/77/review", R"({"operator":"lead-1"})", 404)["error"]["code"] ==
        "not_found");
  CHECK(hub.call("POST", "/api/v1/conflicts/1/review", "[]", 400)["error"]["message"].get<std::string>().starts_with(
      "body:"));
  CHECK(hub.call("POST", "/api/v1/conflicts/1/review", R"({"operator":"someone-else"})", 400)["error"]["message"]
            .get<std::string>()
            .starts_with("operator:"));
  CHECK(hub.call("POST", "/api/v1/conflicts/1/review", "", 403, auth::Role::kApprover)["error"]["code"] == "forbidden");
  CHECK(hub.store.ledger.events().unreviewed_conflicts().value() == 2);
}

}  // namespace
}  // namespace recount::hub
