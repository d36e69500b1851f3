// Serving the embedded assets with their caching and security headers.
#include "hub/console/console_routes.hpp"

#include <string>

#include "hub/http/console_input.hpp"

namespace recount::hub::console {
namespace {

Response serve(const Asset& asset, const Request& request) {
  Response response;
  const auto condition = request.headers.find("if-none-match");
  if (condition != request.headers.end() && names_etag(condition->second, asset.etag)) {
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
