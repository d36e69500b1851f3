// Beast adapter for recountctl's requests: async operations on a private io_context, so one
// deadline covers resolving, connecting, the TLS handshake, writing and reading.
#include "hub/http/client.hpp"

#include <openssl/ssl.h>

#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace recount::hub {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using Tcp = boost::asio::ip::tcp;

namespace {

using Done = std::function<void(beast::error_code)>;

// Whom a request goes to: a hub's 401 is explained (the token), another server's is its answer.
enum class Peer { kHub, kOther };

// The TLS handshake that follows the connection; plain TCP has none.
void handshake(beast::tcp_stream&, const Done& done) { done({}); }
void handshake(beast::ssl_stream<beast::tcp_stream>& stream, const Done& done) {
  stream.async_handshake(ssl::stream_base::client, [done](beast::error_code error) { done(error); });
}

template <typename Stream, typename Body>
Result<HttpAnswer> exchange(Stream& stream, boost::asio::io_context& io, const HubEndpoint& hub,
                            http::request<Body>& request, std::chrono::milliseconds timeout, Peer peer) {
  const HostPort& server = hub.url.address;
  Tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024 * 1024);
  beast::error_code failure;
  beast::error_code unsent;  // why the request could not be sent in full, if it could not
  const char* step = "resolve";

  auto fail_or = [&](beast::error_code error, auto next) {
    if (error) {
      failure = error;
    } else {
      next();
    }
  };
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(timeout);
  resolver.async_resolve(server.host, std::to_string(server.port), [&](beast::error_code error, auto endpoints) {
    fail_or(error, [&] {
      step = "connect to";
      tcp_layer.async_connect(endpoints, [&](beast::error_code connected, const Tcp::endpoint&) {
        fail_or(connected, [&] {
          step = "verify TLS with";
          handshake(stream, [&](beast::error_code shaken) {
            fail_or(shaken, [&] {
              step = "send a request to";
              // The answer is read while the request is sent: a server may answer before it has
              // read the body (413, 401) and then close, and its answer is what the user needs.
              http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
                if (written && !parser.is_done()) unsent = written;
                if (!written) step = "read the answer of";
              });
              http::async_read(stream, buffer, parser, [&](beast::error_code read, std::size_t) {
                failure = read;
                if (!read) tcp_layer.cancel();  // the rest of a body the server did not want
              });
            });
          });
        });
      });
    });
  });
  // The resolver has no deadline of its own; the stream's covers the rest.
  io.run_for(timeout + std::chrono::milliseconds(100));
  const std::string where = hub.to_string();
  if (!io.stopped()) failure = beast::error::timeout;  // still waiting: its handlers die with `io`
  // A server that closes a TLS connection without close_notify after its answer is not an error.
  if (failure == ssl::error::stream_truncated && parser.is_done()) failure = {};
  // Without an answer, a request that could not be sent says most.
  if (unsent && !parser.is_done() && failure != beast::error::timeout) failure = unsent;
  if (failure == beast::error::timeout || (!failure && !parser.is_done())) {
    return Error{
        ErrorCode::kUnavailable, "",
        std::string("cannot ") + step + " " + where + ": no answer within " + std::to_string(timeout.count()) + " ms"};
  }
  if (failure) {
    return Error{ErrorCode::kUnavailable, "", std::string("cannot ") + step + " " + where + ": " + failure.message()};
  }
  HttpAnswer answer{parser.get().result_int(), parser.get().body()};
  if (answer.status == 401 && peer == Peer::kHub) {
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    // Whatever answered may not be a hub: read its message only where it is a string.
    const auto error = body.is_object() ? body.value("error", nlohmann::json::object()) : nlohmann::json::object();
    const auto message = error.is_object() ? error.value("message", nlohmann::json()) : nlohmann::json();
    const std::string reason = message.is_string() ? message.get<std::string>() : answer.body;
    return Error{ErrorCode::kUnavailable, "",
                 "the hub at " + where + " refused the request (401): " + reason + "; " +
                     (hub.token.empty() ? "no API token: " : "the token came from ") + hub.token_source};
  }
  return answer;
}

// The client's own headers (recountctl's unless `headers` or `user_agent` say otherwise).
struct Extras {
  const std::vector<HttpHeader>* headers = nullptr;
  std::string_view user_agent = "recountctl";
  Peer peer = Peer::kHub;
};

// Sends `request`, whose method, target, content type and body are set, with the client's own
// headers, over HTTP or HTTPS as `hub` says.
template <typename Body>
Result<HttpAnswer> exchange(const HubEndpoint& hub, http::request<Body>& request, std::chrono::milliseconds timeout,
                            Extras extras) {
  request.set(http::field::host, hub.url.address.to_string());
  request.set(http::field::user_agent, extras.user_agent);
  if (extras.headers != nullptr) {
    for (const HttpHeader& header : *extras.headers) request.set(header.name, header.value);
  }
  request.set(http::field::accept, "application/json");
  if (!hub.token.empty()) request.set(http::field::authorization, "Bearer " + hub.token);
  boost::asio::io_context io;
  if (hub.url.scheme == Scheme::kHttp) {
    beast::tcp_stream stream(io);
    return exchange(stream, io, hub, request, timeout, extras.peer);
  }
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_peer);
  beast::error_code error;
  if (hub.ca_file.empty()) {
    context.set_default_verify_paths(error);
  } else {
    context.load_verify_file(hub.ca_file.string(), error);
  }
  if (error) {
    return Error{ErrorCode::kInvalidInput, "--hub-ca",
                 "cannot load the CA certificates " + hub.ca_file.string() + ": " + error.message()};
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  const std::string& host = hub.url.address.host;
  // The server's name for virtual hosting (SNI), and the name its certificate must carry.
  // SSL_set_tlsext_host_name, spelt out: the macro casts in C style.
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
  stream.set_verify_callback(ssl::host_name_verification(host));
  return exchange(stream, io, hub, request, timeout, extras.peer);
}

Result<HttpAnswer> exchange(const HubEndpoint& hub, http::verb method, std::string_view target, std::string body,
                            std::string_view content_type, std::chrono::milliseconds timeout, Extras extras = {}) {
  http::request<http::string_body> request{method, target, 11};
  if (method != http::verb::get) {
    request.set(http::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
  }
  return exchange(hub, request, timeout, extras);
}

}  // namespace

Result<HttpAnswer> http_get(const HubEndpoint& hub, std::string_view target, std::chrono::milliseconds timeout) {
  return exchange(hub, http::verb::get, target, {}, {}, timeout);
}

Result<HttpAnswer> http_post(const HubEndpoint& hub, std::string_view target, std::string body,
                             std::string_view content_type, std::chrono::milliseconds timeout) {
  return exchange(hub, http::verb::post, target, std::move(body), content_type, timeout);
}

Result<HttpAnswer> http_put(const HubEndpoint& hub, std::string_view target, std::string body,
                            std::string_view content_type, std::chrono::milliseconds timeout) {
  return exchange(hub, http::verb::put, target, std::move(body), content_type, timeout);
}

Result<HttpAnswer> http_post_file(const HubEndpoint& hub, std::string_view target, const std::filesystem::path& file,
                                  std::string_view content_type, std::chrono::milliseconds timeout) {
  http::request<http::file_body> request{http::verb::post, target, 11};
  beast::error_code error;
  request.body().open(file.string().c_str(), beast::file_mode::read, error);
  if (error) return Error{ErrorCode::kInvalidInput, "", "cannot read " + file.string() + ": " + error.message()};
  request.set(http::field::content_type, content_type);
  request.prepare_payload();
  return exchange(hub, request, timeout, Extras{});
}

Result<HttpAnswer> http_post_to_peer(const HubEndpoint& peer, std::string_view target, std::string body,
                                     std::string_view content_type, const std::vector<HttpHeader>& headers,
                                     std::string_view user_agent, std::chrono::milliseconds timeout) {
  return exchange(peer, http::verb::post, target, std::move(body), content_type, timeout,
                  Extras{&headers, user_agent, Peer::kOther});
}

}  // namespace recount::hub
