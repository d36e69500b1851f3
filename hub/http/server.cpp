// Beast adapter: acceptor, per-connection sessions with deadlines, and translation between
// Beast's messages and the Router's.
#include "hub/http/server.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <exception>
#include <unordered_set>
#include <variant>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "hub/http/console_input.hpp"
#include "hub/http/live_feed.hpp"
#include "hub/http/spooled_body.hpp"

namespace recount::hub {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using Tcp = boost::asio::ip::tcp;

using BeastRequest = http::request_header<>;  // what the server decides on before the body

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Who sent a request, and the session whose cookie said so, if one did.
struct Credentials {
  std::optional<auth::Principal> principal;
  std::optional<auth::Session> session;
};

// Compares secrets in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

bool changes_state(const BeastRequest& request) {
  return request.method() != http::verb::get && request.method() != http::verb::head;
}

// Who sent `request`: its bearer token's owner, else its live session cookie's, else nobody. An
// answer instead for credentials that do not pass: 401 for a bad bearer token, 403 "csrf" for a
// state change by cookie without the session's CSRF token, 503 when the store fails.
using Authenticated = std::variant<Credentials, Response>;
Authenticated authenticated(const HttpServerOptions& options, const BeastRequest& request) {
  const auto header = request.find(http::field::authorization);
  if (header == request.end()) {
    const auto cookies = request.find(http::field::cookie);
    const std::string_view id =
        cookies == request.end() ? std::string_view() : cookie_value(cookies->value(), auth::kSessionCookie);
    if (id.empty() || !options.resume_session) return Credentials{};
    auto session = options.resume_session(id);
    if (!session) return Response::from(session.error());
    if (!*session) return Credentials{};
    if (changes_state(request)) {
      const auto csrf = request.find("X-CSRF-Token");
      if (csrf == request.end() || !same_secret(csrf->value(), (*session)->csrf_token)) {
        return Response::error(403, "csrf",
                               "a change made with the session cookie must send the session's csrf_token in the "
                               "X-CSRF-Token header");
      }
    }
    auth::Principal principal = (*session)->principal;
    return Credentials{std::move(principal), std::move(*session)};
  }
  const std::string_view value(header->value().data(), header->value().size());
  constexpr std::string_view kScheme = "Bearer ";
  if (!value.starts_with(kScheme) || value.size() == kScheme.size()) {
    return Response::unauthorized("the Authorization header must be 'Bearer TOKEN'");
  }
  auto principal =
      options.authenticate ? options.authenticate(value.substr(kScheme.size())) : std::optional<auth::Principal>();
  if (!principal) return Response::from(principal.error());
  if (!*principal) return Response::unauthorized("the API token is unknown or was revoked");
  return Credentials{std::move(*principal), std::nullopt};
}

// What the router needs of the connection besides the request itself.
struct Peer {
  std::string address;
  Scheme scheme = Scheme::kHttp;
};

// Hands `request` to the router with its body: `body`, or a spooled one.
Response route(const Router& router, Credentials credentials, const Peer& peer, const BeastRequest& request,
               std::string body, std::shared_ptr<const MappedFile> spooled) {
  auto parsed = Request::from_target(std::string(request.method_string()), request.target(), std::move(body));
  if (!parsed) return Response::from(parsed.error());
  parsed->spooled_body = std::move(spooled);
  parsed->principal = std::move(credentials.principal);
  parsed->session = std::move(credentials.session);
  for (const auto& field : request) parsed->headers[lower(field.name_string())] = std::string(field.value());
  parsed->client_address = peer.address;
  parsed->scheme = peer.scheme;
  try {
    return router.handle(std::move(*parsed));
  } catch (const std::exception& error) {
    // A handler bug must cost one request, not the hub.
    return Response::error(500, "internal", error.what());
  }
}

bool is_loopback(const std::string& host) {
  beast::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  return !error && address.is_loopback();
}

}  // namespace

// What follows an answer: the next request on the same connection, or closing it.
enum class AfterAnswer { kKeepAlive, kClose };

// What the server's list of open connections needs of one.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

struct HttpServer::State {
  State(boost::asio::io_context& context, const Router& routes, HttpServerOptions settings)
      : io(context), acceptor(context), router(routes), options(std::move(settings)) {}

  boost::asio::io_context& io;
  Tcp::acceptor acceptor;
  const Router& router;
  HttpServerOptions options;
  std::optional<ssl::context> tls;  // set for HTTPS
  std::unordered_set<Connection*> sessions;
  bool stopped = false;

  // Whether "host[:port]" (a Host header, or an Origin after its scheme) names this server: the
  // listen address on its port, localhost on its port when listening on loopback, or an allowed
  // name on any port.
  bool serves(std::string_view authority) const {
    std::string host(authority);
    std::optional<std::string> port;
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    host = lower(host);
    for (const auto& name : options.allowed_hosts) {
      if (lower(name) == host) return true;
    }
    beast::error_code error;
    const auto bound = acceptor.local_endpoint(error);
    if (error || port != std::to_string(bound.port())) return false;
    const std::string listen = bound.address().to_string();
    return host == listen || (host == "localhost" && is_loopback(listen));
  }

  // 403 for a state-changing request (anything but GET and HEAD) from a foreign Origin or to a
  // foreign Host; nullopt for a request that may go on.
  std::optional<Response> refuse_foreign(const BeastRequest& request) const {
    if (!changes_state(request)) return std::nullopt;
    const auto host = request.find(http::field::host);
    const std::string_view host_text = host == request.end() ? std::string_view() : std::string_view(host->value());
    if (!serves(host_text)) {
      return Response::error(403, "foreign_host",
                             "the Host header '" + std::string(host_text) +
                                 "' is not an address this hub serves (recount-hub --http-allowed-host adds names)");
    }
    if (const auto origin = request.find(http::field::origin); origin != request.end()) {
      const std::string_view text = origin->value();
      const std::string_view scheme = tls ? "https://" : "http://";
      if (!text.starts_with(scheme) || !serves(text.substr(scheme.size()))) {
        return Response::error(403, "foreign_origin",
                               "the Origin '" + std::string(text) +
                                   "' is not this hub: a web page of another site may not change the hub's state");
      }
    }
    return std::nullopt;
  }
};

// One connection over plain TCP or TLS: read a request, answer it, and again while the client
// keeps it alive; or, for a route that answers with a live feed, a stream of its events until
// either side closes.
template <typename Stream>
class Session : public Connection, public LiveStream, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... Layers>
  Session(std::shared_ptr<HttpServer::State> server, Layers&&... layers)
      : stream_(std::forward<Layers>(layers)...), server_(std::move(server)) {
    server_->sessions.insert(this);
  }
  ~Session() override {
    if (feed_) feed_->leave(*this);
    server_->sessions.erase(this);
  }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      // The handshake has the same deadline as a read: a client that never finishes it costs
      // a descriptor for that long, no more.
      beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code error) {
        if (error) return self->close();
        self->read();
      });
    }
  }

  void close() override {
    if (feed_) std::exchange(feed_, nullptr)->leave(*this);
    if (keepalive_) keepalive_->cancel();
    beast::error_code ignored;
    auto& layer = beast::get_lowest_layer(stream_);
    layer.socket().shutdown(Tcp::socket::shutdown_both, ignored);
    layer.close();
  }

 private:
  // Reads the header first, so the route's body limit applies before a byte of the body is read.
  void read() {
    parser_.emplace();
    upload_.reset();
    // Beast checks a Content-Length against this while it parses the header; on_header then
    // holds it to the route's own limit.
    limit_ = server_->options.max_import_bytes;  // until the route is known
    parser_->body_limit(limit_);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code error, std::size_t) { self->on_header(error); });
  }

  void on_header(beast::error_code error) {
    if (error) return on_read(error);
    const auto& request = parser_->get();
    if (auto refusal = server_->refuse_foreign(request))
      return answer(*refusal, request.version(), AfterAnswer::kClose);
    // Authenticated before the body is read, so only a known token can make the hub read more
    // than the default limit.
    auto who = authenticated(server_->options, request);
    if (auto* refusal = std::get_if<Response>(&who)) return answer(*refusal, request.version(), AfterAnswer::kClose);
    credentials_ = std::get<Credentials>(std::move(who));
    const std::string method(request.method_string());
    auto target = Request::from_target(method, request.target());
    const BodyLimit kind = target ? server_->router.body_limit(method, target->path) : BodyLimit::kDefault;
    if (kind == BodyLimit::kImport && !credentials_.principal) {
      // Said now, before the client sends a file it would be refused for anyway.
      return answer(Response::unauthorized("an import needs an API token (Authorization: Bearer TOKEN)"),
                    request.version(), AfterAnswer::kClose);
    }
    limit_ = kind == BodyLimit::kImport ? server_->options.max_import_bytes : kDefaultBodyBytes;
    parser_->body_limit(limit_);  // for a chunked body, counted as it arrives
    if (parser_->content_length().value_or(0) > limit_) return on_read(http::error::body_limit);
    if (kind == BodyLimit::kImport) return spool();
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code read, std::size_t) { self->on_read(read); });
  }

  // Reads an import's body into an unlinked temporary file, a piece at a time, each read with
  // its own deadline: a large file on a slow link takes as long as it keeps coming.
  void spool() {
    auto file = create_spool_file(server_->options.upload_directory);
    if (!file) return answer(Response::from(file.error()), parser_->get().version(), AfterAnswer::kClose);
    upload_.emplace(std::move(*parser_));
    upload_->body_limit(limit_);
    beast::file spool;
    spool.native_handle(*file);
    beast::error_code error;
    upload_->get().body().reset(std::move(spool), error);
    if (error) return on_read(error);
    read_upload();
  }

  void read_upload() {
    beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
    http::async_read_some(stream_, buffer_, *upload_,
                          [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                            if (!error && !self->upload_->is_done()) return self->read_upload();
                            self->on_read(error);
                          });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::body_limit) {
      return answer(Response::error(
                        413, "payload_too_large",
                        "the request body is larger than the " + std::to_string(limit_) + " bytes this route accepts"),
                    11, AfterAnswer::kClose);
    }
    if (error == http::error::header_limit) {
      return answer(Response::error(431, "headers_too_large", "the request headers are larger than the hub accepts"),
                    11, AfterAnswer::kClose);
    }
    // Beast's own errors, apart from the client going away, mean the bytes were not HTTP/1.1.
    if (error && error.category() == http::make_error_code(http::error::bad_target).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message) {
      return answer(Response::error(400, "bad_request", "the request is not valid HTTP/1.1: " + error.message()), 11,
                    AfterAnswer::kClose);
    }
    if (error) return close();  // the client left, timed out, or the server is stopping
    if (upload_) return on_upload();
    auto& request = parser_->get();
    Response response =
        route(server_->router, std::move(credentials_), peer(), request, std::move(request.body()), nullptr);
    if (response.live) return stream(*response.live);
    answer(response, request.version(), request.keep_alive() ? AfterAnswer::kKeepAlive : AfterAnswer::kClose);
  }

  void on_upload() {
    auto& request = upload_->get();
    auto spooled = MappedFile::map(request.body().file().native_handle());
    if (!spooled) return answer(Response::from(spooled.error()), request.version(), AfterAnswer::kClose);
    Response response = route(server_->router, std::move(credentials_), peer(), request, {}, std::move(*spooled));
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    upload_.reset();  // closes the file; the mapping, if the route kept none, went with the request
    answer(response, version, keep_alive ? AfterAnswer::kKeepAlive : AfterAnswer::kClose);
  }

  Peer peer() {
    beast::error_code error;
    const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(error);
    const Scheme scheme = std::is_same_v<Stream, beast::tcp_stream> ? Scheme::kHttp : Scheme::kHttps;
    return Peer{error ? std::string() : endpoint.address().to_string(), scheme};
  }

  void answer(const Response& answer, unsigned version, AfterAnswer after) {
    const bool keep_alive = after == AfterAnswer::kKeepAlive;
    response_ = {};
    response_.version(version);
    response_.result(answer.status);
    response_.set(http::field::server, "recount-hub");
    response_.set(http::field::content_type, "application/json; charset=utf-8");
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = answer.body;
    response_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
                        if (error || self->server_->stopped) return self->close();
                        if (!keep_alive) return self->linger();
                        self->read();
                      });
  }

  // Closes after a last answer without cutting it off: a client may still be sending a body
  // the answer refused, and closing on unread bytes would reset the connection and could drop
  // the answer on its way. So the hub says it is done sending, then reads and discards, a
  // bounded amount for a bounded time, until the client, having read the answer, closes.
  void linger() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(Tcp::socket::shutdown_send, ignored);
    discard_.resize(std::size_t{64} * 1024);
    beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
    discard_next(std::size_t{1} << 20);
  }

  void discard_next(std::size_t budget) {
    // Below TLS, if any: the bytes are dropped unread, and the deadline of linger() holds.
    beast::get_lowest_layer(stream_).async_read_some(
        boost::asio::buffer(discard_),
        [self = this->shared_from_this(), budget](beast::error_code error, std::size_t read) {
          if (error || read >= budget || self->server_->stopped) return self->close();
          self->discard_next(budget - read);
        });
  }

  // Hands the connection over to `feed`: the header, then each event it delivers, with a
  // keepalive comment between, until the client goes, falls behind or the server stops.
  void stream(LiveFeed& feed) {
    if (!feed.join(*this)) {
      return answer(Response::error(503, "too_many_streams", "the hub serves no more live streams now"), 11,
                    AfterAnswer::kClose);
    }
    feed_ = &feed;
    deliver(std::make_shared<const std::string>(
        "HTTP/1.1 200 OK\r\nServer: recount-hub\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"));
    keepalive_.emplace(stream_.get_executor());
    arm_keepalive();
  }

  void deliver(const std::shared_ptr<const std::string>& frame) override {
    if (!feed_) return;
    // A client that does not take what it is sent is dropped, never waited for.
    if (queued_bytes_ + frame->size() > feed_->limits().queued_bytes) return close();
    queued_bytes_ += frame->size();
    outbox_.push_back(frame);
    if (outbox_.size() == 1) write_next();
  }

  void end() override { close(); }

  void write_next() {
    beast::get_lowest_layer(stream_).expires_after(server_->options.timeout);
    boost::asio::async_write(stream_, boost::asio::buffer(*outbox_.front()),
                             [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                               if (error || !self->feed_) return self->close();
                               self->queued_bytes_ -= self->outbox_.front()->size();
                               self->outbox_.pop_front();
                               if (!self->outbox_.empty()) self->write_next();
                             });
  }

  void arm_keepalive() {
    keepalive_->expires_after(feed_->limits().keepalive);
    keepalive_->async_wait([self = this->shared_from_this()](beast::error_code error) {
      if (error || !self->feed_) return;
      // A comment line: EventSource ignores it, and writing it finds a client that went away.
      static const auto kKeepalive = std::make_shared<const std::string>(": keepalive\n\n");
      self->deliver(kKeepalive);
      if (self->feed_) self->arm_keepalive();
    });
  }

  Stream stream_;
  std::shared_ptr<HttpServer::State> server_;
  LiveFeed* feed_ = nullptr;                               // set while the connection streams a live feed
  std::deque<std::shared_ptr<const std::string>> outbox_;  // the front one is being written
  std::size_t queued_bytes_ = 0;
  std::optional<boost::asio::steady_timer> keepalive_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> upload_;  // an import's, after its header
  std::size_t limit_ = kDefaultBodyBytes;                        // of the request being read
  Credentials credentials_;                                      // who sent it
  http::response<http::string_body> response_;
  std::vector<char> discard_;  // what linger() reads and drops
};

namespace {

void accept(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept([state](beast::error_code error, Tcp::socket socket) {
    if (state->stopped) return;
    if (!error) {
      if (state->sessions.size() < state->options.max_connections) {
        if (state->tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(state, std::move(socket), *state->tls)
              ->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(state, std::move(socket))->start();
        }
      }  // else: the socket closes here, before it costs more than a descriptor
    }
    accept(state);
  });
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::listen(boost::asio::io_context& io, const HostPort& address,
                                                       const Router& router, const HttpServerOptions& options) {
  beast::error_code error;
  const auto ip = boost::asio::ip::make_address(address.host, error);
  if (error) return invalid("http", "'" + address.host + "' is not an IP address");
  auto state = std::make_shared<State>(io, router, options);
  if (!options.certificate_file.empty() || !options.key_file.empty()) {
    state->tls.emplace(ssl::context::tls_server);
    state->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (state->tls->use_certificate_chain_file(options.certificate_file.string(), error); error) {
      return invalid("--http-cert",
                     "cannot load the certificate " + options.certificate_file.string() + ": " + error.message());
    }
    if (state->tls->use_private_key_file(options.key_file.string(), ssl::context::pem, error); error) {
      return invalid("--http-key", "cannot load the private key " + options.key_file.string() + ": " + error.message());
    }
  }
  const Tcp::endpoint endpoint(ip, address.port);
  auto fail = [&](const char* doing) {
    return Error{ErrorCode::kUnavailable, "http",
                 std::string("cannot ") + doing + " " + address.to_string() + ": " + error.message()};
  };
  if (state->acceptor.open(endpoint.protocol(), error); error) return fail("open a socket for");
  if (state->acceptor.set_option(Tcp::acceptor::reuse_address(true), error); error) return fail("configure");
  if (state->acceptor.bind(endpoint, error); error) return fail("listen on");
  if (state->acceptor.listen(boost::asio::socket_base::max_listen_connections, error); error) return fail("listen on");
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::~HttpServer() { stop(); }

HostPort HttpServer::local_address() const {
  beast::error_code error;
  const auto endpoint = state_->acceptor.local_endpoint(error);
  return HostPort{endpoint.address().to_string(), endpoint.port()};
}

void HttpServer::start() { accept(state_); }

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  // Copy first: closing runs no handler synchronously, but a session may end while we iterate.
  const std::vector<Connection*> open(state_->sessions.begin(), state_->sessions.end());
  for (Connection* session : open) session->close();
}

}  // namespace recount::hub
