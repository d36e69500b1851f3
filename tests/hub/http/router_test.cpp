// Routing, request targets and JSON error responses, without a network.
#include "hub/http/router.hpp"

#include <doctest/doctest.h>

#include "tests/hub/auth_fixtures.hpp"

namespace recount::hub {
namespace {

Request request(const std::string& method, const std::string& target) {
  auto parsed = Request::from_target(method, target);
  REQUIRE(parsed.has_value());
  return testing::signed_in(std::move(*parsed));
}

nlohmann::json body_of(const Response& response) { return nlohmann::json::parse(response.body); }

TEST_CASE("a target is split into a decoded path and decoded query parameters") {
  const auto parsed = request("GET", "/api/v1/events%2Fx?device=hh%2D17&note=a+b&empty=&=ignored&device=hh-18");
  CHECK(parsed.path == "/api/v1/events/x");
  CHECK(parsed.query.at("device") == "hh-18");
  CHECK(parsed.query.at("note") == "a b");
  CHECK(parsed.query.at("empty").empty());
  CHECK(parsed.query.count("") == 0);
}

TEST_CASE("a target that is not an absolute path or has a broken escape is refused") {
  CHECK_FALSE(Request::from_target("GET", "api/v1/stats").has_value());
  CHECK_FALSE(Request::from_target("GET", "http://x/api").has_value());
  CHECK_FALSE(Request::from_target("GET", "/api/%zz").has_value());
  CHECK_FALSE(Request::from_target("GET", "/api?limit=%4").has_value());
}

TEST_CASE("integer parameters fall back when absent and name themselves when out of range or not numbers") {
  const auto parsed = request("GET", "/x?limit=50&after=-1&junk=12abc");
  CHECK(parsed.integer("limit", 100, 1, 1000).value() == 50);
  CHECK(parsed.integer("missing", 100, 1, 1000).value() == 100);
  const auto negative = parsed.integer("after", 0, 0, 10);
  REQUIRE_FALSE(negative.has_value());
  CHECK(negative.error().field == "after");
  CHECK_FALSE(parsed.integer("junk", 0, 0, 1000000).has_value());
  CHECK_FALSE(request("GET", "/x?limit=99999999999999999999").integer("limit", 1, 1, 1000).has_value());
}

TEST_CASE("a path id is a positive 64-bit integer, and anything else an error naming the parameter") {
  const auto with_id = [](const std::string& id) {
    Request parsed = request("GET", "/api/v1/things/" + id);
    parsed.params["id"] = id;
    return parsed.path_integer("id", "a thing id");
  };
  CHECK(with_id("1").value() == 1);
  CHECK(with_id("9223372036854775807").value() == 9'223'372'036'854'775'807);
  for (const std::string id : {"x", "0", "-1", "1x", " 1", "+1", "9223372036854775808", "99999999999999999999"}) {
    const auto refused = with_id(id);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::kInvalidInput);
    CHECK(refused.error().field == "id");
    CHECK(refused.error().describe() == "id: '" + id + "' is not a thing id (a positive integer)");
    CHECK(Response::from(refused.error()).status == 400);
  }
}

TEST_CASE("the router runs the handler of the matching method and path, with {name} segments as params") {
  Router router;
  router.add("GET", "/api/v1/devices/{device}", auth::Role::kViewer, [](const Request& r) {
    return Response::json(200, {{"device", r.params.at("device")}});
  });
  router.add("GET", "/api/v1/devices", auth::Role::kViewer, [](const Request&) {
    return Response::json(200, {{"all", true}});
  });
  CHECK(body_of(router.handle(request("GET", "/api/v1/devices/hh-17")))["device"] == "hh-17");
  CHECK(body_of(router.handle(request("GET", "/api/v1/devices")))["all"] == true);
  CHECK(router.handle(request("GET", "/api/v1/devices//")).status == 404);  // an empty {device}
}

TEST_CASE("an unknown path answers 404 and a known path with another method 405 with Allow") {
  Router router;
  router.add("GET", "/api/v1/stats", auth::Role::kViewer, [](const Request&) { return Response::json(200, {}); });
  router.add("DELETE", "/api/v1/stats", auth::Role::kAdmin, [](const Request&) { return Response::json(200, {}); });
  const auto missing = router.handle(request("GET", "/api/v1/nothing"));
  CHECK(missing.status == 404);
  CHECK(body_of(missing)["error"]["code"] == "not_found");
  CHECK(router.handle(request("GET", "/api/v1/stats/")).status == 200);  // a trailing slash is the same path
  CHECK(router.handle(request("GET", "/api/v1//stats")).status == 404);

  const auto wrong = router.handle(request("POST", "/api/v1/stats"));
  CHECK(wrong.status == 405);
  REQUIRE(wrong.headers.size() == 1);
  CHECK(wrong.headers[0].first == "Allow");
  CHECK(wrong.headers[0].second == "GET, DELETE");
}

TEST_CASE("a route needs a principal (401 with WWW-Authenticate) whose role grants the route's (else 403)") {
  Router router;
  router.add_public("GET", "/api/v1/health", [](const Request&) { return Response::json(200, {}); });
  router.add("POST", "/api/v1/policy", auth::Role::kAdmin, [](const Request&) { return Response::json(200, {}); });
  router.add("GET", "/api/v1/stats", auth::Role::kViewer, [](const Request&) { return Response::json(200, {}); });
  CHECK(router.handle(Request::from_target("GET", "/api/v1/health").value()).status == 200);

  const auto anonymous = router.handle(Request::from_target("GET", "/api/v1/stats").value());
  CHECK(anonymous.status == 401);
  CHECK(body_of(anonymous)["error"]["message"] ==
        "GET /api/v1/stats needs an API token: send 'Authorization: Bearer TOKEN' (recountctl token create makes one)");
  REQUIRE(anonymous.headers.size() == 1);
  CHECK(anonymous.headers[0] == std::pair<std::string, std::string>{"WWW-Authenticate", "Bearer realm=\"recount\""});

  const auto viewer =
      testing::signed_in(Request::from_target("POST", "/api/v1/policy").value(), auth::Role::kViewer, "ops-vi");
  const auto refused = router.handle(viewer);
  CHECK(refused.status == 403);
  CHECK(body_of(refused)["error"]["message"] ==
        "POST /api/v1/policy needs the role admin or higher; the token 'ops-vi' has the role viewer");
  for (const auto role : {auth::Role::kViewer, auth::Role::kCounterLead, auth::Role::kApprover, auth::Role::kAdmin}) {
    CHECK(router.handle(testing::signed_in(Request::from_target("GET", "/api/v1/stats").value(), role)).status == 200);
  }
  CHECK(router.handle(testing::signed_in(Request::from_target("POST", "/api/v1/policy").value())).status == 200);
}

TEST_CASE("each route has its body limit, the default or the import limit, and an unknown route the default") {
  Router router;
  router.add("POST", "/api/v1/discrepancies/{id}/resolve", auth::Role::kCounterLead,
             [](const Request&) { return Response::json(200, {}); });
  router.add(
      "POST", "/api/v1/import/items", auth::Role::kAdmin, [](const Request&) { return Response::json(200, {}); },
      BodyLimit::kImport);
  CHECK(router.body_limit("POST", "/api/v1/discrepancies/7/resolve") == BodyLimit::kDefault);
  CHECK(router.body_limit("POST", "/api/v1/import/items") == BodyLimit::kImport);
  CHECK(router.body_limit("PUT", "/api/v1/import/items") == BodyLimit::kDefault);
  CHECK(router.body_limit("POST", "/api/v1/nothing") == BodyLimit::kDefault);
}

TEST_CASE("errors map to HTTP statuses by their code") {
  CHECK(Response::from(invalid("limit", "bad")).status == 400);
  CHECK(Response::from(Error{ErrorCode::kNotFound, "", "x"}).status == 404);
  CHECK(Response::from(Error{ErrorCode::kConflict, "", "x"}).status == 409);
  CHECK(Response::from(Error{ErrorCode::kUnavailable, "", "x"}).status == 503);
  const auto io = Response::from(Error{ErrorCode::kIo, "", "disk full"});
  CHECK(io.status == 500);
  CHECK(body_of(io)["error"]["message"] == "disk full");
  CHECK(body_of(Response::from(invalid("limit", "bad")))["error"]["message"] == "limit: bad");
}

TEST_CASE("JSON with text that is not UTF-8 is dumped with replacements instead of throwing") {
  const std::string text = dump_json({{"payload", std::string("\xff\xfe garbage")}});
  CHECK(nlohmann::json::parse(text)["payload"].get<std::string>().find("garbage") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
