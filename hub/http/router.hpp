// The hub's HTTP routes, free of any HTTP library: requests and JSON responses as plain values,
// and a router that maps a method and a path pattern such as /api/v1/devices/{device} to a
// handler, so each feature adds its routes without touching the server.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/auth/role.hpp"
#include "hub/auth/session.hpp"
#include "hub/http/address.hpp"
#include "hub/http/spooled_body.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

class LiveFeed;

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string path;                           // percent-decoded, without the query
  std::map<std::string, std::string> query;   // percent-decoded; a repeated name keeps the last
  std::map<std::string, std::string> params;  // the {name} segments of the matched pattern
  std::string body;
  // An import route's body (BodyLimit::kImport), which the server spools to disk and maps
  // instead of filling `body`. Read either through body_bytes().
  std::shared_ptr<const MappedFile> spooled_body;
  // Who sent it, as the server authenticated its bearer token or session cookie; none when it
  // sent neither.
  std::optional<auth::Principal> principal;
  // The console session whose cookie authenticated it (then principal is the session's); none
  // for a bearer token or no credentials.
  std::optional<auth::Session> session;
  // Header names in lowercase; a repeated header keeps the last.
  std::map<std::string, std::string> headers;
  std::string client_address;     // the peer's IP address, as text
  Scheme scheme = Scheme::kHttp;  // kHttps over TLS (cookies then get the Secure attribute)

  // Splits a request target ("/api/v1/deadletters?limit=5") into path and query. Errors:
  // kInvalidInput for a target that is not an absolute path or has a bad %-escape.
  static Result<Request> from_target(std::string method, std::string_view target, std::string body = {});

  // The body, spooled or not; valid while the request (or a copy of spooled_body) lives.
  std::string_view body_bytes() const { return spooled_body ? spooled_body->bytes() : std::string_view(body); }

  // The query parameter `name` as an integer in [minimum, maximum], `fallback` when absent.
  // Errors: kInvalidInput naming the parameter.
  Result<std::int64_t> integer(const std::string& name, std::int64_t fallback, std::int64_t minimum,
                               std::int64_t maximum) const;

  // The {name} segment of the matched pattern as an id, a positive integer that fits in 64 bits;
  // `what` says what it identifies, with its article ("an alert id"). Errors: kInvalidInput
  // naming the parameter, "'TEXT' is not WHAT (a positive integer)", which Response::from()
  // answers 400.
  // `name` must be a placeholder of the route's pattern.
  Result<std::int64_t> path_integer(const std::string& name, std::string_view what) const;
};

struct Response {
  unsigned status = 200;
  std::string body;  // JSON text
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the server answers 200 text/event-stream and keeps the connection as a stream of this
  // feed (hub/http/live_feed.hpp) until either side closes; status and body are not sent.
  LiveFeed* live = nullptr;

  static Response json(unsigned status, const nlohmann::json& body);
  // A body that is JSON text already (written with protocol::JsonWriter), sent as it is.
  static Response encoded(unsigned status, std::string body);
  // {"error": {"code": code, "message": message}}; `code` is a stable word for programs.
  static Response error(unsigned status, std::string_view code, std::string_view message);
  // 401 with a WWW-Authenticate header, as RFC 6750 asks of a bearer-token API.
  static Response unauthorized(std::string_view message);
  // 400 for kInvalidInput, 404 for kNotFound, 409 for kConflict, 503 for kUnavailable, else 500.
  static Response from(const Error& error);
};

// The audited actor of a request is its token's name. Clients from before tokens still name an
// operator in the request: accepted when empty or the token's name, else kInvalidInput naming
// "operator". `request` must have a principal.
Result<void> check_operator(const Request& request, std::string_view named);

// JSON text that never throws: text that is not UTF-8 (it may come from devices) is replaced.
std::string dump_json(const nlohmann::json& json);

// null when absent, so clients can tell "none" from 0.
template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

using Handler = std::function<Response(const Request&)>;

// How large a route's request body may be; larger ones get 413 before they are read. An import's
// body is streamed to disk (Request::spooled_body), so its cap (HttpServerOptions::
// max_import_bytes) only keeps a client from filling the disk.
enum class BodyLimit { kDefault, kImport };
inline constexpr std::size_t kDefaultBodyBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kImportBodyBytes = std::size_t{2} * 1024 * 1024 * 1024;  // default cap

// Not thread-safe while routes are added; handle() may run concurrently once they are all in.
class Router {
 public:
  // `pattern` is an absolute path whose segments are literals or {name} placeholders, which
  // match one non-empty segment and land in Request::params. A trailing slash in a request's
  // path is ignored. Only a request whose principal's role grants `needed` reaches `handler`.
  void add(std::string method, std::string_view pattern, auth::Role needed, Handler handler,
           BodyLimit limit = BodyLimit::kDefault);
  // A route that anyone may use, without a token (only the health check is).
  void add_public(std::string method, std::string_view pattern, Handler handler);

  // Runs the matching handler. A path no route knows answers 404; a known path with another
  // method answers 405 with an Allow header; a request without a principal answers 401, and one
  // whose principal's role is too low 403 naming the role needed.
  Response handle(Request request) const;

  // The kind of body the route of `method` and `path` (percent-decoded, without the query)
  // accepts: the default for a path no route knows, so that its 404 costs little.
  BodyLimit body_limit(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::optional<auth::Role> needed;  // none: public
    Handler handler;
    BodyLimit limit = BodyLimit::kDefault;
  };
  void add_route(Route route, std::string_view pattern);
  static std::optional<std::map<std::string, std::string>> match(const Route& route,
                                                                 const std::vector<std::string_view>& segments);
  std::vector<Route> routes_;
};

}  // namespace recount::hub
