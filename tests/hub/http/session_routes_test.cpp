// Login, session and logout through the router, on a real hub database in a temp directory:
// the answer and its cookie, wrong tokens, the rate limit, expiry and the audit entries.
#include "hub/http/session_routes.hpp"

#include <doctest/doctest.h>

#include "hub/auth/token_store.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kStartMs = 1'800'000'000'000;

struct Console {
  testing::TempDir dir;
  Ledger ledger = Ledger::open(Ledger::file_in(dir.path())).value();
  auth::TokenStore tokens = auth::TokenStore::open(ledger.database()).value();
  auth::SessionStore sessions = auth::SessionStore::open(ledger.database()).value();
  auth::LoginThrottle throttle;
  std::int64_t now_ms = kStartMs;
  Router router;
  std::string approver = tokens.create("ops-anna", auth::Role::kApprover, std::nullopt, kStartMs).value();
  std::string viewer = tokens.create("ops-vi", auth::Role::kViewer, std::nullopt, kStartMs).value();

  Console() {
    add_session_routes(router, sessions, tokens, ledger, throttle, [this] { return now_ms; });
  }

  Response call(std::string method, std::string body = "", std::optional<auth::Session> session = {},
                Scheme scheme = Scheme::kHttp, std::string address = "192.0.2.7") {
    auto request = Request::from_target(std::move(method), "/api/v1/session", std::move(body)).value();
    request.client_address = std::move(address);
    request.scheme = scheme;
    if (session) {
      request.principal = session->principal;
      request.session = std::move(session);
    }
    return router.handle(std::move(request));
  }
  Response login(const std::string& token, Scheme scheme = Scheme::kHttp, std::string address = "192.0.2.7") {
    return call("POST", Json{{"token", token}}.dump(), {}, scheme, std::move(address));
  }

  std::vector<AuditEntry> audit() { return ledger.audit().entries(0, 100).value(); }
};

std::string header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// The session id in a Set-Cookie header.
std::string cookie_id(const Response& response) {
  const std::string cookie = header(response, "Set-Cookie");
  const auto start = cookie.find('=') + 1;
  return cookie.substr(start, cookie.find(';') - start);
}

TEST_CASE("login with a token answers who it is and its CSRF token, and sets a strict HttpOnly session cookie") {
  Console console;
  const Response answer = console.login(console.approver);
  REQUIRE(answer.status == 200);
  const Json body = Json::parse(answer.body);
  CHECK(body.at("name") == "ops-anna");
  CHECK(body.at("role") == "approver");
  CHECK(body.at("approval_limit_cents") == auth::kDefaultApproverLimitCents);
  CHECK(body.at("csrf_token").get<std::string>().size() == 43);
  CHECK(body.at("expires_ms") == kStartMs + std::int64_t{8} * 3'600'000);
  const std::string cookie = header(answer, "Set-Cookie");
  CHECK(cookie.starts_with("recount_session="));
  CHECK(cookie.find("; HttpOnly; SameSite=Strict; Path=/; Max-Age=86400") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);
  CHECK(cookie.find(console.approver) == std::string::npos);
  CHECK(header(answer, "Cache-Control") == "no-store");

  const auto session = console.sessions.resume(cookie_id(answer), kStartMs).value();
  REQUIRE(session.has_value());
  CHECK(session->csrf_token == body.at("csrf_token"));

  // A viewer has no approval limit to show.
  CHECK(Json::parse(console.login(console.viewer).body).at("approval_limit_cents").is_null());
}

TEST_CASE("over HTTPS the session cookie is Secure") {
  Console console;
  const Response answer = console.login(console.approver, Scheme::kHttps);
  REQUIRE(answer.status == 200);
  CHECK(header(answer, "Set-Cookie").ends_with("; Secure"));
}

TEST_CASE("a wrong token gets 401, a body without one 400 naming token") {
  Console console;
  const Response wrong = console.login("not-a-token");
  CHECK(wrong.status == 401);
  CHECK(header(wrong, "Set-Cookie").empty());
  for (const char* body : {"", "[]", "{\"token\":5}", "{\"token\":\"\"}", "{\"tok"}) {
    const Response bad = console.call("POST", body);
    CHECK(bad.status == 400);
    CHECK(bad.body.find("token") != std::string::npos);
  }
}

TEST_CASE("a revoked token cannot log in") {
  Console console;
  REQUIRE(console.tokens.revoke("ops-vi", kStartMs).has_value());
  CHECK(console.login(console.viewer).status == 401);
}

TEST_CASE("logins and their failures are audited with the token's name or the address, never the token") {
  Console console;
  REQUIRE(console.login(console.approver).status == 200);
  REQUIRE(console.login("wrong-token").status == 401);
  const auto entries = console.audit();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].kind == "auth.session_started");
  CHECK(entries[0].subject == "ops-anna");
  CHECK(Json::parse(entries[0].detail).at("role") == "approver");
  CHECK(entries[1].kind == "auth.session_refused");
  CHECK(entries[1].subject == "192.0.2.7");
  for (const auto& entry : entries) {
    CHECK(entry.detail.find(console.approver) == std::string::npos);
    CHECK(entry.detail.find("wrong-token") == std::string::npos);
  }
}

TEST_CASE("after 10 failed logins in a minute an address gets 429, even with a good token, until it waits") {
  Console console;
  for (int i = 0; i < 10; ++i) REQUIRE(console.login("guess-" + std::to_string(i)).status == 401);
  const Response limited = console.login(console.approver);
  CHECK(limited.status == 429);
  CHECK(limited.body.find("too_many_attempts") != std::string::npos);
  CHECK(header(limited, "Retry-After") == "60");
  CHECK(console.login(console.approver, Scheme::kHttp, "192.0.2.8").status == 200);  // another address
  CHECK(console.audit().size() == 11);  // the refused attempts past the limit are not audited
  console.now_ms += 60'000;
  CHECK(console.login(console.approver).status == 200);
}

TEST_CASE("GET /api/v1/session answers for the cookie's session, a bearer token has none") {
  Console console;
  const Response login = console.login(console.approver);
  const auto session = console.sessions.resume(cookie_id(login), kStartMs).value();
  const Response answer = console.call("GET", "", session);
  CHECK(answer.status == 200);
  CHECK(Json::parse(answer.body) == Json::parse(login.body));

  auto bearer = Request::from_target("GET", "/api/v1/session").value();
  bearer.principal = auth::Principal{"ops-anna", auth::Role::kApprover, std::nullopt};
  CHECK(console.router.handle(std::move(bearer)).status == 401);
  CHECK(console.call("GET").status == 401);
}

TEST_CASE("logout ends the session, clears the cookie and is audited, without a session it only clears") {
  Console console;
  const Response login = console.login(console.viewer);
  const std::string id = cookie_id(login);
  const auto session = console.sessions.resume(id, kStartMs).value();
  const Response out = console.call("DELETE", "", session);
  CHECK(out.status == 204);
  CHECK(header(out, "Set-Cookie") == "recount_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  CHECK_FALSE(console.sessions.resume(id, kStartMs).value().has_value());
  const auto entries = console.audit();
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].kind == "auth.session_ended");
  CHECK(entries[1].subject == "ops-vi");

  CHECK(console.call("DELETE").status == 204);
  CHECK(console.audit().size() == 2);
}

}  // namespace
}  // namespace recount::hub
