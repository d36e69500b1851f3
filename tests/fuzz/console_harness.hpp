// The checks of console_fuzz, shared with its corpus's regression test in the normal build: what
// the console's browser sends that the hub parses (the Cookie header, If-None-Match, the login
// body, the request target with the queue's query string). An input's first byte picks the
// parser, the rest is its input, so one corpus serves all four.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/http/console_input.hpp"
#include "hub/http/discrepancy_query.hpp"
#include "hub/http/router.hpp"

namespace recount::fuzz {

// The value found points into the header, right after "recount_session=", and ends before the
// next cookie.
inline std::string cookie_problem(std::string_view header) {
  constexpr std::string_view kName = "recount_session=";
  const std::string_view value = hub::cookie_value(header, "recount_session");
  if (value.empty()) return {};
  if (value.data() < header.data() + kName.size() || value.data() + value.size() > header.data() + header.size()) {
    return "cookie: the value does not point into the header after a name";
  }
  const auto offset = static_cast<std::size_t>(value.data() - header.data());
  if (header.substr(offset - kName.size(), kName.size()) != kName) return "cookie: the value follows no name";
  if (value.find(';') != std::string_view::npos) return "cookie: the value runs into the next cookie";
  return {};
}

// A header names the tag only if it holds it, or is *.
inline std::string etag_problem(std::string_view header) {
  constexpr std::string_view kEtag = "\"5f3a\"";
  if (hub::names_etag(header, kEtag) && header.find(kEtag) == std::string_view::npos &&
      header.find('*') == std::string_view::npos) {
    return "if-none-match: a tag the header does not hold matched";
  }
  return {};
}

inline std::string login_problem(std::string_view body) {
  const auto token = hub::login_token_of(body);
  if (token && token->empty()) return "login: an empty token was accepted";
  if (!token && token.error().field != "token") return "login: an error not naming token: " + token.error().describe();
  return {};
}

// Any error names a parameter, and a query that parses keeps the page's bounds.
inline std::string query_problem(std::string_view query) {
  auto request = hub::Request::from_target("GET", "/api/v1/discrepancies?" + std::string(query), "");
  if (!request) return request.error().field == "target" ? "" : "query: a target error not naming target";
  const auto parsed = hub::discrepancy_query_of(*request, 1'800'000'000'000);
  if (!parsed) {
    if (parsed.error().field.empty() || parsed.error().message.empty()) {
      return "query: an error naming no parameter: " + parsed.error().describe();
    }
    return {};
  }
  if (parsed->limit && (*parsed->limit < 1 || *parsed->limit > static_cast<std::size_t>(hub::kMaxDiscrepancyPage))) {
    return "query: a limit out of bounds";
  }
  if (parsed->offset > static_cast<std::size_t>(hub::kMaxDiscrepancyOffset)) return "query: an offset out of bounds";
  return {};
}

// What is wrong with how the parser the input picks handled it; empty when nothing is.
inline std::string console_input_problem(std::string_view input) {
  if (input.empty()) return {};
  const std::string_view rest = input.substr(1);
  switch (static_cast<std::uint8_t>(input[0]) % 4) {
    case 0: return cookie_problem(rest);
    case 1: return etag_problem(rest);
    case 2: return login_problem(rest);
    default: return query_problem(rest);
  }
}

}  // namespace recount::fuzz
