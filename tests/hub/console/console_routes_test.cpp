// The console's files through the router: pages at / and /login, files under /assets/, their
// types, ETags and security headers, and paths that name no asset.
#include "hub/console/console_routes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace recount::hub::console {
namespace {

std::string header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

Response get(const Router& router, std::string_view target, std::string if_none_match = "") {
  auto request = Request::from_target("GET", target).value();
  if (!if_none_match.empty()) request.headers["if-none-match"] = std::move(if_none_match);
  return router.handle(std::move(request));
}

const Asset kIndex{"index.html", "<!doctype html><title>t</title>", "\"aa\""};
const Asset kLogin{"login.html", "<!doctype html><title>login</title>", "\"bb\""};
const Asset kScript{"app.js", "'use strict';", "\"cc\""};
const Asset kStyle{"vendor/x.css", "p{}", "\"dd\""};
const Asset kAssets[] = {kIndex, kLogin, kScript, kStyle};

TEST_CASE("the login page, its script and its style are compiled into the hub") {
  const auto assets = embedded_assets();
  for (const char* name : {"login.html", "login.js", "login.css"}) {
    const auto found = std::find_if(assets.begin(), assets.end(), [&](const Asset& a) { return a.name == name; });
    REQUIRE_MESSAGE(found != assets.end(), name);
    CHECK_FALSE(found->bytes.empty());
    CHECK(found->etag.size() == 34);  // 32 hex digits, quoted
  }
  CHECK(std::is_sorted(assets.begin(), assets.end(), [](const Asset& a, const Asset& b) { return a.name < b.name; }));
  const auto login = std::find_if(assets.begin(), assets.end(), [](const Asset& a) { return a.name == "login.html"; });
  // The CSP allows no inline script or style: the page must load its own files.
  CHECK(login->bytes.find("<script src=\"/assets/login.js\"") != std::string_view::npos);
  CHECK(login->bytes.find("<style") == std::string_view::npos);
  CHECK(login->bytes.find("style=") == std::string_view::npos);
}

TEST_CASE("/ serves index.html and /login login.html, with their type, ETag and the console's security headers") {
  Router router;
  add_console_routes(router, kAssets);
  const Response index = get(router, "/");
  CHECK(index.status == 200);
  CHECK(index.body == kIndex.bytes);
  CHECK(header(index, "Content-Type") == "text/html; charset=utf-8");
  CHECK(header(index, "ETag") == "\"aa\"");
  CHECK(header(index, "Cache-Control") == "no-cache");
  CHECK(header(index, "Content-Security-Policy") == "default-src 'self'; frame-ancestors 'none'");
  CHECK(header(index, "X-Content-Type-Options") == "nosniff");
  CHECK(header(index, "Referrer-Policy") == "no-referrer");
  CHECK(get(router, "/login").body == kLogin.bytes);
  CHECK(get(router, "/assets/login.html").body == kLogin.bytes);
}

TEST_CASE("each asset is served with the Content-Type of its extension, in sub-folders too") {
  Router router;
  add_console_routes(router, kAssets);
  CHECK(header(get(router, "/assets/app.js"), "Content-Type") == "text/javascript; charset=utf-8");
  const Response style = get(router, "/assets/vendor/x.css");
  CHECK(style.status == 200);
  CHECK(header(style, "Content-Type") == "text/css; charset=utf-8");
  CHECK(content_type("x.svg") == "image/svg+xml");
  CHECK(content_type("x.png") == "image/png");
  CHECK(content_type("LICENSE") == "application/octet-stream");
}

TEST_CASE("a request naming the asset's ETag gets 304 without the body, another ETag gets the file") {
  Router router;
  add_console_routes(router, kAssets);
  const Response same = get(router, "/assets/app.js", "\"cc\"");
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK(header(same, "ETag") == "\"cc\"");
  CHECK(get(router, "/assets/app.js", "\"zz\", W/\"cc\"").status == 304);
  const Response other = get(router, "/assets/app.js", "\"zz\"");
  CHECK(other.status == 200);
  CHECK(other.body == kScript.bytes);
}

TEST_CASE("a path that names no asset gets 404, however it climbs") {
  Router router;
  add_console_routes(router, kAssets);
  CHECK(get(router, "/assets/nothing.js").status == 404);
  CHECK(get(router, "/assets/").status == 404);
  CHECK(get(router, "/assets/../login.html").status == 404);
  CHECK(get(router, "/assets/..%2Flogin.html").status == 404);
  CHECK(get(router, "/assets/vendor/../app.js").status == 404);
  CHECK(get(router, "/assets/%2E%2E/%2E%2E/etc/passwd").status == 404);
  CHECK(get(router, "/assets/vendor%2Fx.css").status == 200);  // the same name, however escaped
}

}  // namespace
}  // namespace recount::hub::console
