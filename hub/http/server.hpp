// The hub's HTTP/1.1 server (Boost.Beast) on the hub's io_context: it parses requests with
// bounded sizes and deadlines, refuses writes from foreign origins and hosts, authenticates bearer
// tokens and console session cookies (with their CSRF token), hands requests to a Router, and
// never lets a bad request crash it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hub/http/address.hpp"
#include "hub/http/router.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// Who a bearer token belongs to; nullopt for an unknown or revoked token. Runs on the
// io_context's thread.
using Authenticator = std::function<Result<std::optional<auth::Principal>>(std::string_view token)>;

// The console session of a request's session cookie (auth::kSessionCookie); nullopt for an id
// that is unknown, ended or expired. Runs on the io_context's thread.
using SessionResumer = std::function<Result<std::optional<auth::Session>>(std::string_view id)>;

struct HttpServerOptions {
  // Bodies larger than their route's limit (Router::body_limit) get 413 before they are read, or
  // as soon as they grow past it.
  // An import route's body is written to an unlinked temporary file in `upload_directory` as it
  // arrives (the system's temporary directory when empty), in bounded memory, and the route reads
  // it mapped; it may be up to `max_import_bytes` long. A request to an import route without
  // credentials gets 401 before its body is read.
  std::filesystem::path upload_directory;
  std::size_t max_import_bytes = kImportBodyBytes;
  std::size_t max_header_bytes = std::size_t{16} * 1024;  // larger headers get 431
  std::chrono::seconds timeout{30};                       // per read or write; an idle keep-alive closes after it
  std::size_t max_connections = 256;                      // more are closed at once, before a byte is read
  // Host names besides the listen address (and localhost, when that is a loopback address) that a
  // state-changing request may name in its Host and Origin headers, on any port (names a reverse
  // proxy or DNS gives the hub). Anything else gets 403: a web page cannot post to the hub through
  // DNS rebinding or a cross-site form.
  std::vector<std::string> allowed_hosts;
  // Looks up each request's bearer token. Unset: every token is refused (only public routes answer).
  Authenticator authenticate;
  // Resumes the session of a request that has a session cookie and no Authorization header; its
  // principal then acts as the token's. A state-changing request (not GET or HEAD) so
  // authenticated must send the session's CSRF token in X-CSRF-Token, else it gets 403 "csrf"
  // before its body is read. A cookie that resumes no session counts as no credentials (the
  // login page must load with a stale one). Unset: cookies are ignored.
  SessionResumer resume_session;
  // HTTPS: PEM files of the server's certificate (chain) and its private key. Empty: plain HTTP.
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;
};

// Not thread-safe: use it on the io_context's thread. `router` must outlive the server; the
// io_context must outlive it too, and handlers run on it.
class HttpServer {
 public:
  // Binds and listens at once, so a port of 0 is resolved before listen() returns. Errors:
  // kInvalidInput for a host that is not an IPv4/IPv6 address, or for a certificate or key file
  // that cannot be loaded (naming "--http-cert" or "--http-key"); kUnavailable when the address
  // cannot be bound (in use, not local, no permission).
  static Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& io, const HostPort& address,
                                                    const Router& router, const HttpServerOptions& options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The address actually bound (with the port the system chose for port 0).
  HostPort local_address() const;

  // Starts accepting connections; requests are served while the io_context runs.
  void start();

  // Stops accepting and closes every open connection; their handlers finish with errors on the
  // io_context. Idempotent.
  void stop();

  // The acceptor and open connections, shared with the connections (defined in server.cpp).
  struct State;

 private:
  explicit HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;  // shared with the connections, which may outlive the server
};

}  // namespace recount::hub
