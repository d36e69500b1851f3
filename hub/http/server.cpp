// Beast adapter: acceptor, per-connection sessions with deadlines, and translation between
// Beast's messages and the Router's.
#include "hub/http/server.hpp"

#include <exception>
#include <unordered_set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace recount::hub {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Response route(const Router& router, const http::request<http::string_body>& request) {
  auto parsed = Request::from_target(std::string(request.method_string()), request.target(), request.body());
  if (!parsed) return Response::from(parsed.error());
  try {
    return router.handle(std::move(*parsed));
  } catch (const std::exception& error) {
    // A handler bug must cost one request, not the hub.
    return Response::error(500, "internal", error.what());
  }
}

}  // namespace

class Session;

struct HttpServer::State {
  State(boost::asio::io_context& context, const Router& routes, HttpServerOptions settings)
      : io(context), acceptor(context), router(routes), options(settings) {}

  boost::asio::io_context& io;
  tcp::acceptor acceptor;
  const Router& router;
  HttpServerOptions options;
  std::unordered_set<Session*> sessions;
  bool stopped = false;
};

// One connection: read a request, answer it, and again while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    server_->sessions.insert(this);
  }
  ~Session() { server_->sessions.erase(this); }

  void start() { read(); }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    stream_.expires_after(server_->options.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::body_limit) {
      return answer(Response::error(413, "payload_too_large", "the request body is larger than the hub accepts"), 11,
                    false);
    }
    if (error == http::error::header_limit) {
      return answer(Response::error(431, "headers_too_large", "the request headers are larger than the hub accepts"),
                    11, false);
    }
    // Beast's own errors, apart from the client going away, mean the bytes were not HTTP/1.1.
    if (error && error.category() == http::make_error_code(http::error::bad_target).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message) {
      return answer(Response::error(400, "bad_request", "the request is not valid HTTP/1.1: " + error.message()), 11,
                    false);
    }
    if (error) return close();  // the client left, timed out, or the server is stopping
    const auto& request = parser_->get();
    answer(route(server_->router, request), request.version(), request.keep_alive());
  }

  void answer(const Response& answer, unsigned version, bool keep_alive) {
    response_ = {};
    response_.version(version);
    response_.result(answer.status);
    response_.set(http::field::server, "recount-hub");
    response_.set(http::field::content_type, "application/json; charset=utf-8");
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = answer.body;
    response_.prepare_payload();
    stream_.expires_after(server_->options.timeout);
    http::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
      if (error || !keep_alive || self->server_->stopped) return self->close();
      self->read();
    });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::State> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

namespace {

void accept(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept([state](beast::error_code error, tcp::socket socket) {
    if (state->stopped) return;
    if (!error) {
      if (state->sessions.size() < state->options.max_connections) {
        std::make_shared<Session>(std::move(socket), state)->start();
      }  // else: the socket closes here, before it costs more than a descriptor
    }
    accept(state);
  });
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::listen(boost::asio::io_context& io, const HostPort& address,
                                                       const Router& router, HttpServerOptions options) {
  beast::error_code error;
  const auto ip = boost::asio::ip::make_address(address.host, error);
  if (error) return invalid("http", "'" + address.host + "' is not an IP address");
  auto state = std::make_shared<State>(io, router, options);
  const tcp::endpoint endpoint(ip, address.port);
  auto fail = [&](const char* doing) {
    return Error{ErrorCode::kUnavailable, "http", std::string("cannot ") + doing + " " + address.to_string() + ": " +
                                                      error.message()};
  };
  if (state->acceptor.open(endpoint.protocol(), error); error) return fail("open a socket for");
  if (state->acceptor.set_option(tcp::acceptor::reuse_address(true), error); error) return fail("configure");
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
  const std::vector<Session*> open(state_->sessions.begin(), state_->sessions.end());
  for (Session* session : open) session->close();
}

}  // namespace recount::hub
