// Routing, request targets and JSON error responses, without a network.
#include "hub/http/router.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

Request request(const std::string& method, const std::string& target) {
  auto parsed = Request::from_target(method, target);
  REQUIRE(parsed.has_value());
  return *parsed;
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

TEST_CASE("the router runs the handler of the matching method and path, with {name} segments as params") {
  Router router;
  router.add("GET", "/api/v1/devices/{device}", [](const Request& r) {
    return Response::json(200, {{"device", r.params.at("device")}});
  });
  router.add("GET", "/api/v1/devices", [](const Request&) { return Response::json(200, {{"all", true}}); });
  CHECK(body_of(router.handle(request("GET", "/api/v1/devices/hh-17")))["device"] == "hh-17");
  CHECK(body_of(router.handle(request("GET", "/api/v1/devices")))["all"] == true);
  CHECK(router.handle(request("GET", "/api/v1/devices//")).status == 404);  // an empty {device}
}

TEST_CASE("an unknown path answers 404 and a known path with another method 405 with Allow") {
  Router router;
  router.add("GET", "/api/v1/stats", [](const Request&) { return Response::json(200, {}); });
  router.add("DELETE", "/api/v1/stats", [](const Request&) { return Response::json(200, {}); });
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
