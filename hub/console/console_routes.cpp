// Serving the embedded assets with their caching and security headers.
#include "hub/console/console_routes.hpp"

#include <string>

namespace recount::hub::console {
namespace {

// Whether an If-None-Match header (one ETag, a list, or *) names `etag`.
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view candidate = if_none_match.substr(0, comma);
    while (candidate.starts_with(' ')) candidate.remove_prefix(1);
    while (candidate.ends_with(' ')) candidate.remove_suffix(1);
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);  // a weak comparison is enough for GET
    if (candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

Response serve(const Asset& asset, const Request& request) {
  Response response;
  const auto condition = request.headers.find("if-none-match");
  if (condition != request.headers.end() && matches(condition->second, asset.etag)) {
    response.status = 304;
  } else {
    response.body = std::string(asset.bytes);
  }
  response.headers.emplace_back("Content-Type", std::string(content_type(asset.name)));
  response.headers.emplace_back("ETag", std::string(asset.etag));
  response.headers.emplace_back("Cache-Control", "no-cache");
  for (const auto& [name, value] : kSecurityHeaders) response.headers.emplace_back(name, value);
  return response;
}

}  // namespace

void add_console_routes(Router& router, std::span<const Asset> assets) {
  for (const Asset& asset : assets) {
    const auto handler = [&asset](const Request& request) { return serve(asset, request); };
    router.add_public("GET", "/assets/" + std::string(asset.name), handler);
    if (asset.name == "index.html") router.add_public("GET", "/", handler);
    if (asset.name == "login.html") router.add_public("GET", "/login", handler);
  }
}

}  // namespace recount::hub::console
