// The Beast server over real loopback sockets: keep-alive, malformed and oversized requests,
// deadlines, connection limits, handler failures and stopping.
#include "hub/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <boost/asio/post.hpp>
#include <stdexcept>
#include <thread>

namespace recount::hub {
namespace {

// A blocking client socket that gives up reading after `patience`.
class RawClient {
 public:
  RawClient(std::uint16_t port, std::chrono::seconds patience = std::chrono::seconds(10))
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{static_cast<time_t>(patience.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawClient() { ::close(fd_); }

  void send(const std::string& bytes) { REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0); }

  // Everything until the server closes; throws when `patience` passes first.
  std::string read_to_end() {
    std::string text;
    char chunk[4096];
    while (true) {
      const auto got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got == 0) return text;
      if (got < 0) {
        if (errno == ECONNRESET) return text;
        throw std::runtime_error("the server neither answered nor closed in time");
      }
      text.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

// A server with a few test routes, running on its own thread.
struct ServerFixture {
  Router router;
  boost::asio::io_context io;
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;
  std::thread thread;

  explicit ServerFixture(HttpServerOptions options = {}) {
    router.add("GET", "/hello", [](const Request&) { return Response::json(200, {{"hello", "world"}}); });
    router.add("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
    router.add("POST", "/echo", [](const Request& request) {
      return Response::json(200, {{"bytes", request.body.size()}});
    });
    server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options).value();
    port = server->local_address().port;
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  ~ServerFixture() { stop(); }

  void stop() {
    if (!thread.joinable()) return;
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();  // run() returns once the acceptor and every connection are closed
  }
};

const std::string kHello = "GET /hello HTTP/1.1\r\nHost: hub\r\n\r\n";
const std::string kHelloClose = "GET /hello HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n";

TEST_CASE("a GET is answered with JSON, and a kept-alive connection serves the next request too") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send(kHello + kHelloClose);
  const auto text = client.read_to_end();
  CHECK(count(text, "HTTP/1.1 200 OK") == 2);
  CHECK(count(text, "{\"hello\":\"world\"}") == 2);
  CHECK(text.find("Content-Type: application/json") != std::string::npos);
}

TEST_CASE("a port of 0 is resolved to the port actually bound") {
  ServerFixture fixture;
  CHECK(fixture.port != 0);
}

TEST_CASE("bytes that are not HTTP get a 400 JSON error and the connection is closed") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send("GARBAGE\x01\x02 not http\r\n\r\n");
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 400"));
  CHECK(text.find("\"bad_request\"") != std::string::npos);
}

TEST_CASE("a body larger than the limit gets 413 without being read") {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  ServerFixture fixture(options);
  RawClient client(fixture.port);
  client.send("POST /echo HTTP/1.1\r\nHost: hub\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 413"));
}

TEST_CASE("a body within the limit reaches the handler") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send("POST /echo HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(client.read_to_end().find("{\"bytes\":5}") != std::string::npos);
}

TEST_CASE("headers larger than the limit get 431") {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  ServerFixture fixture(options);
  RawClient client(fixture.port);
  client.send("GET /hello HTTP/1.1\r\nHost: hub\r\nX-Padding: " + std::string(4096, 'p') + "\r\n\r\n");
  CHECK(client.read_to_end().starts_with("HTTP/1.1 431"));
}

TEST_CASE("a handler that throws costs one 500 answer and the server keeps serving") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send("GET /throw HTTP/1.1\r\nHost: hub\r\n\r\n" + kHelloClose);
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 500"));
  CHECK(text.find("handler bug") != std::string::npos);
  CHECK(count(text, "HTTP/1.1 200 OK") == 1);
}

TEST_CASE("a client that sends nothing is disconnected when the deadline passes") {
  HttpServerOptions options;
  options.timeout = std::chrono::seconds(1);
  ServerFixture fixture(options);
  RawClient idle(fixture.port, std::chrono::seconds(10));
  CHECK(idle.read_to_end().empty());  // closed by the server, long before the client's patience ends
}

TEST_CASE("connections past the limit are closed at once while the others are served") {
  HttpServerOptions options;
  options.max_connections = 2;
  ServerFixture fixture(options);
  RawClient first(fixture.port);
  RawClient second(fixture.port);
  first.send(kHello);  // makes sure both connections were accepted before the third arrives
  second.send(kHello);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawClient third(fixture.port);
  third.send(kHelloClose);
  CHECK(third.read_to_end().find("200 OK") == std::string::npos);
  first.send(kHelloClose);
  CHECK(count(first.read_to_end(), "HTTP/1.1 200 OK") == 2);
}

TEST_CASE("stopping the server closes its idle connections and stops accepting") {
  ServerFixture fixture;
  RawClient idle(fixture.port);
  fixture.stop();
  CHECK(idle.read_to_end().empty());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(fixture.port);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0);
  ::close(fd);
}

TEST_CASE("listening on an address that is taken fails as unavailable and names the address") {
  ServerFixture fixture;
  boost::asio::io_context io;
  Router router;
  auto second = HttpServer::listen(io, HostPort{"127.0.0.1", fixture.port}, router);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::kUnavailable);
  CHECK(second.error().message.find("127.0.0.1:" + std::to_string(fixture.port)) != std::string::npos);
}

TEST_CASE("a listen host that is not an IP address is refused as invalid input") {
  boost::asio::io_context io;
  Router router;
  auto server = HttpServer::listen(io, HostPort{"localhost", 0}, router);
  REQUIRE_FALSE(server.has_value());
  CHECK(server.error().code == ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace recount::hub
