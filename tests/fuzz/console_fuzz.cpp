// libFuzzer target for what the console's browser sends that the hub parses: the Cookie header,
// If-None-Match, the login body, and the request target with the queue's query string
// (discrepancy_query_of). The first byte picks the parser, the rest is its input, so one corpus
// serves all four. Parsing must not crash, throw or trip a sanitizer, and each parser must keep its promises; anything
// else aborts with the reason, which libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/http/console_input.hpp"
#include "hub/http/discrepancy_query.hpp"
#include "hub/http/router.hpp"

namespace recount::hub {
namespace {

[[noreturn]] void fail(const char* parser, const std::string& what) {
  std::fprintf(stderr, "console_fuzz: %s: %s\n", parser, what.c_str());
  std::abort();
}

// The value found points into the header, right after "recount_session=".
void check_cookie(std::string_view header) {
  const std::string_view value = cookie_value(header, "recount_session");
  if (value.empty()) return;
  if (value.data() < header.data() || value.data() + value.size() > header.data() + header.size()) {
    fail("cookie", "the value does not point into the header");
  }
  const auto offset = static_cast<std::size_t>(value.data() - header.data());
  if (offset < 16 || header.substr(offset - 16, 16) != "recount_session=") fail("cookie", "the value follows no name");
  if (value.find(';') != std::string_view::npos) fail("cookie", "the value runs into the next cookie");
}

// A header names the tag only if it holds it, or is *.
void check_etag(std::string_view header) {
  constexpr std::string_view kEtag = "\"5f3a\"";
  if (names_etag(header, kEtag) && header.find(kEtag) == std::string_view::npos &&
      header.find('*') == std::string_view::npos) {
    fail("if-none-match", "a tag the header does not hold matched");
  }
}

void check_login(std::string_view body) {
  const auto token = login_token_of(body);
  if (token && token->empty()) fail("login", "an empty token was accepted");
  if (!token && token.error().field != "token") fail("login", "an error not naming token: " + token.error().describe());
}

// The queue's parameters: any error names a parameter, and a query that parses keeps its bounds.
void check_query(std::string_view query) {
  auto request = Request::from_target("GET", "/api/v1/discrepancies?" + std::string(query), "");
  if (!request) {
    if (request.error().field != "target") fail("query", "a target error not naming target");
    return;
  }
  const auto parsed = discrepancy_query_of(*request, 1'800'000'000'000);
  if (!parsed) {
    if (parsed.error().field.empty() || parsed.error().message.empty()) {
      fail("query", "an error naming no parameter: " + parsed.error().describe());
    }
    return;
  }
  if (parsed->limit && (*parsed->limit < 1 || *parsed->limit > static_cast<std::size_t>(kMaxDiscrepancyPage))) {
    fail("query", "a limit out of bounds");
  }
  if (parsed->offset > static_cast<std::size_t>(kMaxDiscrepancyOffset)) fail("query", "an offset out of bounds");
}

}  // namespace
}  // namespace recount::hub

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace recount::hub;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: check_cookie(input); break;
    case 1: check_etag(input); break;
    case 2: check_login(input); break;
    default: check_query(input); break;
  }
  return 0;
}
