// The parsers of the console's Cookie and If-None-Match headers and its login body.
#include "hub/http/console_input.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

TEST_CASE("a cookie is found among others, by its whole name, and is empty when absent") {
  CHECK(cookie_value("theme=dark; recount_session=abc; x=1", "recount_session") == "abc");
  CHECK(cookie_value("recount_session=abc", "recount_session") == "abc");
  CHECK(cookie_value("recount_session_old=zzz;recount_session=new", "recount_session") == "new");
  CHECK(cookie_value("recount_session", "recount_session").empty());
  CHECK(cookie_value("recount_session=", "recount_session").empty());
  CHECK(cookie_value(";;; ;", "recount_session").empty());
  CHECK(cookie_value("", "recount_session").empty());
}

TEST_CASE("If-None-Match names an entity tag alone, in a list, weakly, or with *") {
  CHECK(names_etag("\"abc\"", "\"abc\""));
  CHECK(names_etag("\"x\", W/\"abc\" ", "\"abc\""));
  CHECK(names_etag(" * ", "\"abc\""));
  CHECK_FALSE(names_etag("\"abcd\"", "\"abc\""));
  CHECK_FALSE(names_etag("abc", "\"abc\""));
  CHECK_FALSE(names_etag(",,,", "\"abc\""));
  CHECK_FALSE(names_etag("", "\"abc\""));
}

TEST_CASE("a login body gives its token, and anything else an error naming token") {
  CHECK(login_token_of(R"({"token": "rk_1"})").value() == "rk_1");
  for (const char* body : {"", "[]", "{", R"({"token": ""})", R"({"token": 7})", R"({"tok": "x"})", "\"rk_1\""}) {
    CAPTURE(body);
    const auto token = login_token_of(body);
    REQUIRE_FALSE(token.has_value());
    CHECK(token.error().code == ErrorCode::kInvalidInput);
    CHECK(token.error().field == "token");
  }
}

}  // namespace
}  // namespace recount::hub
