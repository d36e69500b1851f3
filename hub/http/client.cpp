// Beast adapter for recountctl's requests: async operations on a private io_context, so one
// deadline covers resolving, connecting, writing and reading.
#include "hub/http/client.hpp"

#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace recount::hub {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

Result<HttpAnswer> exchange(const HostPort& server, http::verb method, std::string_view target, std::string body,
                            std::string_view content_type, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{method, target, 11};
  if (method != http::verb::get) {
    request.set(http::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
  }
  request.set(http::field::host, server.to_string());
  request.set(http::field::user_agent, "recountctl");
  request.set(http::field::accept, "application/json");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code failure;
  const char* step = "resolve";

  auto fail_or = [&](beast::error_code error, auto next) {
    if (error) {
      failure = error;
    } else {
      next();
    }
  };
  stream.expires_after(timeout);
  resolver.async_resolve(server.host, std::to_string(server.port), [&](beast::error_code error, auto endpoints) {
    fail_or(error, [&] {
      step = "connect to";
      stream.async_connect(endpoints, [&](beast::error_code connected, const tcp::endpoint&) {
        fail_or(connected, [&] {
          step = "send a request to";
          http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
            fail_or(written, [&] {
              step = "read the answer of";
              http::async_read(stream, buffer, parser, [&](beast::error_code read, std::size_t) { failure = read; });
            });
          });
        });
      });
    });
  });
  // The resolver has no deadline of its own; the stream's covers the rest.
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!io.stopped()) failure = beast::error::timeout;  // still waiting: its handlers die with `io`
  if (failure == beast::error::timeout || (!failure && !parser.is_done())) {
    return Error{ErrorCode::kUnavailable, "", std::string("cannot ") + step + " " + server.to_string() +
                                                  ": no answer within " + std::to_string(timeout.count()) + " ms"};
  }
  if (failure) {
    return Error{ErrorCode::kUnavailable, "", std::string("cannot ") + step + " " + server.to_string() + ": " +
                                                  failure.message()};
  }
  return HttpAnswer{parser.get().result_int(), parser.get().body()};
}

}  // namespace

std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += {'%', kHex[byte >> 4], kHex[byte & 0xF]};
    }
  }
  return encoded;
}

Result<HttpAnswer> http_get(const HostPort& server, std::string_view target, std::chrono::milliseconds timeout) {
  return exchange(server, http::verb::get, target, {}, {}, timeout);
}

Result<HttpAnswer> http_post(const HostPort& server, std::string_view target, std::string body,
                             std::string_view content_type, std::chrono::milliseconds timeout) {
  return exchange(server, http::verb::post, target, std::move(body), content_type, timeout);
}

Result<HttpAnswer> http_put(const HostPort& server, std::string_view target, std::string body,
                            std::string_view content_type, std::chrono::milliseconds timeout) {
  return exchange(server, http::verb::put, target, std::move(body), content_type, timeout);
}

}  // namespace recount::hub
