// The corrections routes over a real ledger: listing with filters, one correction with its
// attempts, and retry of a failed one through the shared write path, audited, with refusals that
// name the parameter.
#include "hub/http/correction_routes.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "hub/delivery/attempt_log.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

struct CorrectionHub : testing::WriteSide {
  int retried = 0;
  std::int64_t failed_id = 0;
  std::int64_t pending_id = 0;

  CorrectionHub() {
    REQUIRE(channels::open_corrections(store.ledger).has_value());
    REQUIRE(delivery::open_attempt_log(store.ledger.database()).has_value());
    auto write = store.ledger.begin_write().value();
    failed_id = channels::enqueue_correction(
                    write, {"shopify", "site-1", "Main Store", "SKU-1", 12, 4, "correct-system"}, testing::kFixedNowMs)
                    .value();
    pending_id = channels::enqueue_correction(write, {"shopify", "site-1", "Main Store", "SKU-2", 3, 0, "approve"},
                                              testing::kFixedNowMs)
                     .value();
    REQUIRE(delivery::record_attempt(
                write.database(), {"correction", failed_id, "webhook", "http://127.0.0.1:9/hook", testing::kFixedNowMs,
                                   testing::kFixedNowMs + 5, 400, "refused", "HTTP 400 from http://127.0.0.1:9/hook"})
                .has_value());
    REQUIRE(channels::record_delivery(
                write,
                {failed_id, std::nullopt, std::nullopt, "HTTP 400 from http://127.0.0.1:9/hook", std::nullopt, false},
                testing::kFixedNowMs + 5)
                .has_value());
    REQUIRE(write.commit().has_value());
    add_correction_routes(router, store.ledger, writer, [this] { ++retried; });
  }

  Json call(const std::string& method, const std::string& target, unsigned status,
            auth::Role role = auth::Role::kCounterLead) {
    const auto response =
        router.handle(testing::signed_in(Request::from_target(method, target, "{}").value(), role, "lead-1"));
    INFO(target << " -> " << response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
};

TEST_CASE("corrections are listed newest first, filtered by system and state") {
  CorrectionHub hub;
  const auto all = hub.call("GET", "/api/v1/corrections", 200, auth::Role::kViewer);
  REQUIRE(all["corrections"].size() == 2);
  CHECK(all["corrections"][0]["id"] == hub.pending_id);
  CHECK(all["corrections"][0]["discrepancy"].is_null());
  CHECK(all["corrections"][0]["next_attempt_ms"] == testing::kFixedNowMs);
  const auto& failed = all["corrections"][1];
  CHECK(failed["state"] == "failed");
  CHECK(failed["sku"] == "SKU-1");
  CHECK(failed["location"] == "Main Store");
  CHECK(failed["on_hand"] == 12);
  CHECK(failed["discrepancy"] == 4);
  CHECK(failed["attempts"] == 1);
  CHECK(failed["last_error"] == "HTTP 400 from http://127.0.0.1:9/hook");
  CHECK(failed["delivered_ms"].is_null());
  CHECK(hub.call("GET", "/api/v1/corrections?state=failed", 200)["corrections"].size() == 1);
  CHECK(hub.call("GET", "/api/v1/corrections?system=fba", 200)["corrections"].empty());
  CHECK(hub.call("GET", "/api/v1/corrections?limit=1", 200)["corrections"].size() == 1);
  const auto bad = hub.call("GET", "/api/v1/corrections?state=done", 400);
  CHECK(bad["error"]["message"].get<std::string>().rfind("state:", 0) == 0);
  CHECK(hub.call("GET", "/api/v1/corrections?limit=0", 400)["error"]["message"].get<std::string>().find("limit") !=
        std::string::npos);
}

TEST_CASE("one correction comes with every delivery attempt") {
  CorrectionHub hub;
  const auto one = hub.call("GET", "/api/v1/corrections/" + std::to_string(hub.failed_id), 200, auth::Role::kViewer);
  REQUIRE(one["delivery_attempts"].size() == 1);
  CHECK(one["delivery_attempts"][0]["channel"] == "webhook");
  CHECK(one["delivery_attempts"][0]["status"] == 400);
  CHECK(one["delivery_attempts"][0]["outcome"] == "refused");
  hub.call("GET", "/api/v1/corrections/999", 404, auth::Role::kViewer);
  hub.call("GET", "/api/v1/corrections/x", 400, auth::Role::kViewer);
}

TEST_CASE("a failed correction is retried by a counter lead, audited, and the outbox told, others are refused") {
  CorrectionHub hub;
  hub.call("POST", "/api/v1/corrections/" + std::to_string(hub.failed_id) + "/retry", 403, auth::Role::kViewer);
  const auto retried = hub.call("POST", "/api/v1/corrections/" + std::to_string(hub.failed_id) + "/retry", 200);
  CHECK(retried["state"] == "pending");
  CHECK(retried["attempts"] == 0);
  CHECK(hub.retried == 1);
  const auto again = hub.call("POST", "/api/v1/corrections/" + std::to_string(hub.failed_id) + "/retry", 409);
  CHECK(again["error"]["message"].get<std::string>().find("only a failed correction") != std::string::npos);
  hub.call("POST", "/api/v1/corrections/999/retry", 404);
  CHECK(hub.retried == 1);
  const auto entries = hub.store.ledger.audit().entries(0, 100).value();
  const auto found = std::find_if(entries.begin(), entries.end(),
                                  [](const AuditEntry& entry) { return entry.kind == "correction.retried"; });
  REQUIRE(found != entries.end());
  CHECK(found->detail.find("lead-1") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
