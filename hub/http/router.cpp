// Requests, responses and routing.
#include "hub/http/router.hpp"

#include <charconv>

#include "hub/http/percent_encoding.hpp"

namespace recount::hub {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);  // the leading '/'
  while (!path.empty()) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace

Result<Request> Request::from_target(std::string method, std::string_view target, std::string body) {
  if (!target.starts_with('/')) return invalid("target", "must be an absolute path");
  Request request;
  request.method = std::move(method);
  request.body = std::move(body);
  const auto question = target.find('?');
  auto path = percent_decode("target", target.substr(0, question), PercentPart::kPath);
  if (!path) return path.error();
  request.path = std::move(*path);
  if (question == std::string_view::npos) return request;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto equals = pair.find('=');
    auto name = percent_decode("target", pair.substr(0, equals), PercentPart::kQuery);
    auto value =
        percent_decode("target", equals == std::string_view::npos ? "" : pair.substr(equals + 1), PercentPart::kQuery);
    if (!name) return name.error();
    if (!value) return value.error();
    if (!name->empty()) request.query[std::move(*name)] = std::move(*value);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return request;
}

Result<std::int64_t> Request::integer(const std::string& name, std::int64_t fallback, std::int64_t minimum,
                                      std::int64_t maximum) const {
  const auto found = query.find(name);
  if (found == query.end()) return fallback;
  const std::string& text = found->second;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < minimum || value > maximum) {
    return invalid(name, "must be an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum));
  }
  return value;
}

Result<std::int64_t> Request::path_integer(const std::string& name, std::string_view what) const {
  const std::string& text = params.at(name);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return invalid(name, "'" + text + "' is not " + std::string(what) + " (a positive integer)");
  }
  return value;
}

Result<void> check_operator(const Request& request, std::string_view named) {
  if (named.empty() || named == request.principal->name) return {};
  return invalid("operator", "names '" + std::string(named) + "', but the request's token is '" +
                                 request.principal->name + "': the token's name is the operator; leave operator out");
}

std::string dump_json(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response Response::json(unsigned status, const nlohmann::json& body) { return Response{status, dump_json(body), {}}; }

Response Response::encoded(unsigned status, std::string body) { return Response{status, std::move(body), {}}; }

Response Response::error(unsigned status, std::string_view code, std::string_view message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response Response::from(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidInput: return Response::error(400, "invalid_input", error.describe());
    case ErrorCode::kNotFound: return Response::error(404, "not_found", error.describe());
    case ErrorCode::kConflict: return Response::error(409, "conflict", error.describe());
    case ErrorCode::kUnavailable: return Response::error(503, "unavailable", error.describe());
    case ErrorCode::kStorageFull: return Response::error(507, "storage_full", error.describe());
    case ErrorCode::kUnsupportedVersion:
    case ErrorCode::kCorrupt:
    case ErrorCode::kIo: break;
  }
  return Response::error(500, to_string(error.code), error.describe());
}

Response Response::unauthorized(std::string_view message) {
  Response response = error(401, "unauthorized", message);
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"recount\"");
  return response;
}

void Router::add(std::string method, std::string_view pattern, auth::Role needed, Handler handler, BodyLimit limit) {
  add_route(Route{std::move(method), {}, needed, std::move(handler), limit}, pattern);
}

void Router::add_public(std::string method, std::string_view pattern, Handler handler) {
  add_route(Route{std::move(method), {}, std::nullopt, std::move(handler), BodyLimit::kDefault}, pattern);
}

void Router::add_route(Route route, std::string_view pattern) {
  for (const auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

BodyLimit Router::body_limit(std::string_view method, std::string_view path) const {
  if (!path.starts_with('/')) return BodyLimit::kDefault;
  const auto segments = split_path(path);
  for (const Route& route : routes_) {
    if (route.method == method && match(route, segments)) return route.limit;
  }
  return BodyLimit::kDefault;
}

std::optional<std::map<std::string, std::string>> Router::match(const Route& route,
                                                                const std::vector<std::string_view>& segments) {
  if (route.segments.size() != segments.size()) return std::nullopt;
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (segments[i].empty()) return std::nullopt;
      params[expected.substr(1, expected.size() - 2)] = std::string(segments[i]);
    } else if (expected != segments[i]) {
      return std::nullopt;
    }
  }
  return params;
}

Response Router::handle(Request request) const {
  const auto segments = split_path(request.path);
  std::string allowed;
  for (const Route& route : routes_) {
    auto params = match(route, segments);
    if (!params) continue;
    if (route.method == request.method) {
      if (route.needed) {
        const std::string what = request.method + " " + request.path;
        if (!request.principal) {
          return Response::unauthorized(what +
                                        " needs an API token: send 'Authorization: Bearer TOKEN' "
                                        "(recountctl token create makes one)");
        }
        if (!auth::grants(request.principal->role, *route.needed)) {
          return Response::error(403, "forbidden",
                                 what + " needs the role " + std::string(auth::to_string(*route.needed)) +
                                     " or higher; the token '" + request.principal->name + "' has the role " +
                                     std::string(auth::to_string(request.principal->role)));
        }
      }
      request.params = std::move(*params);
      return route.handler(request);
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (allowed.empty()) return Response::error(404, "not_found", "no such resource: " + request.path);
  Response response =
      Response::error(405, "method_not_allowed", request.method + " is not allowed here; use " + allowed);
  response.headers.emplace_back("Allow", allowed);
  return response;
}

}  // namespace recount::hub
