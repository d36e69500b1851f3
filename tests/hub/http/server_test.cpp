// The Beast server over real loopback sockets: keep-alive, malformed and oversized requests,
// per-route body limits, bearer tokens, foreign hosts and origins, deadlines, connection limits,
// handler failures and stopping.
#include "hub/http/server.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/post.hpp>

#include "hub/http/live_routes.hpp"
#include "tests/support/process.hpp"

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

  // What arrived until `what` did (and maybe a little more); throws when the server closes or
  // `patience` passes first.
  std::string read_until(const std::string& what) {
    char chunk[4096];
    while (received_.find(what) == std::string::npos) {
      const auto got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) throw std::runtime_error("the server closed or went quiet before sending " + what);
      received_.append(chunk, static_cast<std::size_t>(got));
    }
    return received_;
  }

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
  std::string received_;  // by read_until
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

// Two tokens: "admin-token" of ops-anna (admin) and "viewer-token" of ops-vi (viewer).
Result<std::optional<auth::Principal>> two_tokens(std::string_view token) {
  if (token == "admin-token") return std::optional(auth::Principal{"ops-anna", auth::Role::kAdmin, std::nullopt});
  if (token == "viewer-token") return std::optional(auth::Principal{"ops-vi", auth::Role::kViewer, std::nullopt});
  return std::optional<auth::Principal>();
}

// One console session: cookie "live-session" of ops-lee (counter-lead), CSRF token "csrf-1".
Result<std::optional<auth::Session>> one_session(std::string_view id) {
  if (id != "live-session") return std::optional<auth::Session>();
  return std::optional(
      auth::Session{"live-session", auth::Principal{"ops-lee", auth::Role::kCounterLead, std::nullopt}, "csrf-1", 0});
}

// Test clients name the server "hub" in their Host header.
HttpServerOptions test_options() {
  HttpServerOptions options;
  options.allowed_hosts = {"hub"};
  options.authenticate = two_tokens;
  options.resume_session = one_session;
  return options;
}

// A server with a few test routes, running on its own thread.
struct ServerFixture {
  Router router;
  LiveFeed feed{LiveLimits{2, std::size_t{64} * 1024, std::chrono::milliseconds(50)}};
  boost::asio::io_context io;
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;
  std::thread thread;

  explicit ServerFixture(const HttpServerOptions& options = test_options()) {
    router.add_public("GET", "/hello", [](const Request&) { return Response::json(200, {{"hello", "world"}}); });
    router.add_public("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
    const auto echo = [](const Request& request) {
      return Response::json(200, {{"bytes", request.body_bytes().size()},
                                  {"by", request.principal ? request.principal->name : std::string()},
                                  {"session", request.session ? request.session->id : std::string()}});
    };
    router.add_public("POST", "/echo", echo);
    router.add("GET", "/api/v1/stats", auth::Role::kViewer, echo);
    router.add("POST", "/api/v1/discrepancies/{id}/resolve", auth::Role::kCounterLead, echo);
    router.add("POST", "/api/v1/import/items", auth::Role::kAdmin, echo, BodyLimit::kImport);
    add_live_routes(router, feed);
    server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options).value();
    port = server->local_address().port;
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  ~ServerFixture() { stop(); }

  // Runs `work` on the server's thread and returns what it returns.
  template <typename Work>
  auto on_server(Work work) {
    std::packaged_task<decltype(work())()> task(std::move(work));
    auto result = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return result.get();
  }

  // Waits (a bounded number of times) until the feed holds `streams` streams; how many it holds.
  std::size_t await_streams(std::size_t streams) {
    std::size_t open = 0;
    for (int attempt = 0; attempt < 500; ++attempt) {
      open = on_server([this] { return feed.streams(); });
      if (open == streams) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return open;
  }

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

// The header of the admin's POST to `path` with a body of `length` bytes.
std::string admin_post_header(const std::string& path, std::size_t length) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer admin-token\r\nContent-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

TEST_CASE("a body larger than its route's limit gets 413 without being read: 100 KiB to resolve") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  // Only the header is sent: the answer must come before any of the body.
  client.send(admin_post_header("/api/v1/discrepancies/1/resolve", 102400));
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 413"));
  CHECK(text.find("the request body is larger than the 65536 bytes this route accepts") != std::string::npos);
}

TEST_CASE("a chunked body is held to its route's limit as it arrives") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  std::string chunks;
  for (int i = 0; i < 20; ++i) chunks += "1000\r\n" + std::string(4096, 'x') + "\r\n";  // 80 KiB in all
  client.send("POST /echo HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n");
  CHECK(client.read_to_end().starts_with("HTTP/1.1 413"));
}

TEST_CASE("an import of several MiB is accepted on the import route") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  const std::size_t size = std::size_t{5} * 1024 * 1024;
  client.send(
      "POST /api/v1/import/items HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer admin-token\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(size) + "\r\n\r\n" + std::string(size, 'x'));
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 200"));
  CHECK(text.find("{\"by\":\"ops-anna\",\"bytes\":" + std::to_string(size) + ",\"session\":\"\"}") !=
        std::string::npos);
}

TEST_CASE("without a token the import route answers 401 before the body, and a bad token is refused unread") {
  ServerFixture fixture;
  RawClient anonymous(fixture.port);
  anonymous.send("POST /api/v1/import/items HTTP/1.1\r\nHost: hub\r\nContent-Length: 1048576\r\n\r\n");
  const auto text = anonymous.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 401"));
  CHECK(text.find("an import needs an API token") != std::string::npos);
  RawClient guessing(fixture.port);
  guessing.send(
      "POST /api/v1/import/items HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer guess\r\n"
      "Content-Length: 1048576\r\n\r\n");
  CHECK(guessing.read_to_end().starts_with("HTTP/1.1 401"));
}

// An import request of `body` by the admin, closing the connection after the answer.
std::string import_request(const std::string& body) {
  return "POST /api/v1/import/items HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer admin-token\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_CASE("an import is streamed to an unlinked file in the upload directory and read whole, up to the import cap") {
  testing::TempDir uploads;
  HttpServerOptions options = test_options();
  options.upload_directory = uploads.path();
  options.max_import_bytes = std::size_t{1} << 20;
  ServerFixture fixture(options);
  std::string body;
  for (int line = 0; line < 60'000; ++line) body += "sku-" + std::to_string(line) + "\n";  // 10 × the default limit
  REQUIRE(body.size() < options.max_import_bytes);
  // The echo route counts what it read: every byte, in one piece.
  RawClient within(fixture.port);
  within.send(import_request(body));
  const auto text = within.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 200"));
  CHECK(text.find("\"bytes\":" + std::to_string(body.size()) + ",") != std::string::npos);
  CHECK(std::filesystem::is_empty(uploads.path()));

  RawClient over(fixture.port);
  over.send(admin_post_header("/api/v1/import/items", 1048577));
  const auto refused = over.read_to_end();
  CHECK(refused.starts_with("HTTP/1.1 413"));
  CHECK(refused.find("larger than the 1048576 bytes this route accepts") != std::string::npos);

  RawClient chunked(fixture.port);
  std::string chunks;
  for (int i = 0; i < 300; ++i) chunks += "1000\r\n" + std::string(4096, 'x') + "\r\n";  // 1.2 MiB in all
  chunked.send(
      "POST /api/v1/import/items HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer admin-token\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      chunks + "0\r\n\r\n");
  CHECK(chunked.read_to_end().starts_with("HTTP/1.1 413"));
  CHECK(std::filesystem::is_empty(uploads.path()));
}

TEST_CASE("an import whose upload directory cannot take a file gets 503 naming the directory") {
  testing::TempDir uploads;
  HttpServerOptions options = test_options();
  options.upload_directory = uploads / "missing";
  ServerFixture fixture(options);
  RawClient client(fixture.port);
  client.send(import_request("sku\n"));
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 503"));
  CHECK(text.find("cannot create a temporary file for the request body in " + (uploads / "missing").string()) !=
        std::string::npos);
}

TEST_CASE("a request without a token or with an unknown one gets 401 with WWW-Authenticate, and a known one passes") {
  ServerFixture fixture;
  for (const std::string authorization :
       {"", "Authorization: Bearer stolen-guess\r\n", "Authorization: Basic b3Bz\r\n"}) {
    RawClient client(fixture.port);
    client.send("GET /api/v1/stats HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n" + authorization + "\r\n");
    const auto text = client.read_to_end();
    INFO(authorization);
    CHECK(text.starts_with("HTTP/1.1 401"));
    CHECK(text.find("WWW-Authenticate: Bearer realm=\"recount\"") != std::string::npos);
  }
  RawClient client(fixture.port);
  client.send(
      "GET /api/v1/stats HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nAuthorization: Bearer viewer-token\r\n\r\n");
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 200"));
  CHECK(text.find("\"by\":\"ops-vi\"") != std::string::npos);
}

TEST_CASE("a session cookie authenticates as its token, and a bearer token goes before it") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send("GET /api/v1/stats HTTP/1.1\r\nHost: hub\r\nCookie: theme=dark; recount_session=live-session\r\n\r\n" +
              std::string("GET /api/v1/stats HTTP/1.1\r\nHost: hub\r\nCookie: recount_session=live-session\r\n"
                          "Authorization: Bearer viewer-token\r\nConnection: close\r\n\r\n"));
  const auto text = client.read_to_end();
  CHECK(count(text, "HTTP/1.1 200") == 2);
  CHECK(text.find("\"by\":\"ops-lee\",\"bytes\":0,\"session\":\"live-session\"") != std::string::npos);
  CHECK(text.find("\"by\":\"ops-vi\",\"bytes\":0,\"session\":\"\"") != std::string::npos);
}

TEST_CASE("a cookie that resumes no session counts as no credentials: public routes answer, others 401") {
  ServerFixture fixture;
  RawClient page(fixture.port);
  page.send(
      "POST /echo HTTP/1.1\r\nHost: hub\r\nCookie: recount_session=expired\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\n{}");
  CHECK(page.read_to_end().starts_with("HTTP/1.1 200"));
  RawClient data(fixture.port);
  data.send("GET /api/v1/stats HTTP/1.1\r\nHost: hub\r\nCookie: recount_session=expired\r\nConnection: close\r\n\r\n");
  CHECK(data.read_to_end().starts_with("HTTP/1.1 401"));
}

TEST_CASE("a change by session cookie without its CSRF token, or with a wrong one, gets 403 csrf before the body") {
  ServerFixture fixture;
  for (const std::string csrf : {"", "X-CSRF-Token: csrf-2\r\n", "X-CSRF-Token: csrf-10\r\n"}) {
    RawClient client(fixture.port);
    // Only the header is sent: the answer must come before any of the body.
    client.send(
        "POST /api/v1/discrepancies/1/resolve HTTP/1.1\r\nHost: hub\r\nCookie: recount_session=live-session\r\n" +
        csrf + "Content-Length: 100\r\n\r\n");
    const auto text = client.read_to_end();
    INFO(csrf);
    CHECK(text.starts_with("HTTP/1.1 403"));
    CHECK(text.find("\"code\":\"csrf\"") != std::string::npos);
    CHECK(text.find("X-CSRF-Token") != std::string::npos);
  }
  RawClient client(fixture.port);
  client.send(
      "POST /api/v1/discrepancies/1/resolve HTTP/1.1\r\nHost: hub\r\nCookie: recount_session=live-session\r\n"
      "X-CSRF-Token: csrf-1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  const auto text = client.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 200"));
  CHECK(text.find("\"by\":\"ops-lee\"") != std::string::npos);
}

TEST_CASE("a write from a foreign Origin or to a foreign Host gets 403, while reads and the hub's own origin pass") {
  ServerFixture fixture;
  const std::string own = "127.0.0.1:" + std::to_string(fixture.port);
  const auto post = [&](const std::string& headers) {
    RawClient client(fixture.port);
    client.send(
        "POST /api/v1/discrepancies/1/resolve HTTP/1.1\r\nAuthorization: Bearer admin-token\r\n"
        "Connection: close\r\nContent-Length: 2\r\n" +
        headers + "\r\n{}");
    return client.read_to_end();
  };
  const auto evil_origin = post("Host: " + own + "\r\nOrigin: http://evil.example\r\n");
  CHECK(evil_origin.starts_with("HTTP/1.1 403"));
  CHECK(evil_origin.find("\"foreign_origin\"") != std::string::npos);
  CHECK(post("Host: " + own + "\r\nOrigin: null\r\n").starts_with("HTTP/1.1 403"));
  CHECK(post("Host: " + own + "\r\nOrigin: http://127.0.0.1:1\r\n").starts_with("HTTP/1.1 403"));
  // DNS rebinding: the attacker's name resolves to 127.0.0.1, and the browser sends it as Host.
  const auto rebound = post("Host: evil.example:" + std::to_string(fixture.port) + "\r\n");
  CHECK(rebound.starts_with("HTTP/1.1 403"));
  CHECK(rebound.find("\"foreign_host\"") != std::string::npos);
  CHECK(post("").starts_with("HTTP/1.1 403"));  // no Host at all

  CHECK(post("Host: " + own + "\r\nOrigin: http://" + own + "\r\n").starts_with("HTTP/1.1 200"));
  CHECK(post("Host: localhost:" + std::to_string(fixture.port) + "\r\n").starts_with("HTTP/1.1 200"));
  CHECK(post("Host: HUB\r\n").starts_with("HTTP/1.1 200"));  // an allowed name, in any case
  RawClient reader(fixture.port);
  reader.send(
      "GET /api/v1/stats HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example\r\n"
      "Authorization: Bearer viewer-token\r\nConnection: close\r\n\r\n");
  CHECK(reader.read_to_end().starts_with("HTTP/1.1 200"));  // reads need the token, which a page lacks
}

TEST_CASE("a body within the limit reaches the handler") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send("POST /echo HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(client.read_to_end().find("\"bytes\":5,") != std::string::npos);
}

TEST_CASE("headers larger than the limit get 431") {
  HttpServerOptions options = test_options();
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
  HttpServerOptions options = test_options();
  options.timeout = std::chrono::seconds(1);
  ServerFixture fixture(options);
  RawClient idle(fixture.port, std::chrono::seconds(10));
  CHECK(idle.read_to_end().empty());  // closed by the server, long before the client's patience ends
}

TEST_CASE("connections past the limit are closed at once while the others are served") {
  HttpServerOptions options = test_options();
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

const std::string kLive = "GET /api/v1/live HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer viewer-token\r\n\r\n";

TEST_CASE("a live stream sends the event-stream header, each event published, and keepalive comments") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send(kLive);
  REQUIRE(fixture.await_streams(1) == 1);
  fixture.on_server([&] {
    fixture.feed.publish("discrepancy", R"({"id":7,"state":"open"})");
    return 0;
  });
  const auto text = client.read_until("event: discrepancy\ndata: {\"id\":7,\"state\":\"open\"}\n\n");
  CHECK(text.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(text.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(text.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(client.read_until(": keepalive\n\n").find(": keepalive\n\n") != std::string::npos);
}

TEST_CASE("a live stream needs a viewer's credentials, and past the limit of streams gets 503") {
  ServerFixture fixture;
  RawClient anonymous(fixture.port);
  anonymous.send("GET /api/v1/live HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n");
  CHECK(anonymous.read_to_end().starts_with("HTTP/1.1 401"));
  RawClient first(fixture.port);
  RawClient second(fixture.port);
  first.send(kLive);
  second.send(kLive);
  REQUIRE(fixture.await_streams(2) == 2);
  RawClient third(fixture.port);
  third.send(
      "GET /api/v1/live HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer viewer-token\r\nConnection: close\r\n\r\n");
  const auto text = third.read_to_end();
  CHECK(text.starts_with("HTTP/1.1 503"));
  CHECK(text.find("\"too_many_streams\"") != std::string::npos);
  CHECK(fixture.await_streams(2) == 2);
}

TEST_CASE("a live client that does not read is dropped once its queue is full, and the others go on") {
  ServerFixture fixture;
  RawClient stalled(fixture.port);
  RawClient reading(fixture.port);
  stalled.send(kLive);
  reading.send(kLive);
  REQUIRE(fixture.await_streams(2) == 2);
  const std::string big = "{\"pad\":\"" + std::string(std::size_t{16} * 1024, 'x') + "\"}";
  // The reading client takes everything as it comes, on a thread of its own, until the last event.
  auto received = std::async(std::launch::async, [&reading] { return reading.read_until("{\"task_id\":\"after\"}"); });
  // The kernel's buffers take some MiB first; 4,000 events of 16 KiB are far more than they hold.
  std::size_t open = 2;
  for (int round = 0; round < 4000 && open == 2; ++round) {
    open = fixture.on_server([&] {
      fixture.feed.publish("device", big);
      return fixture.feed.streams();
    });
  }
  CHECK(open == 1);
  fixture.on_server([&] {
    fixture.feed.publish("task", R"({"task_id":"after"})");
    return 0;
  });
  CHECK(received.get().find("{\"task_id\":\"after\"}") != std::string::npos);
}

TEST_CASE("stopping the server closes its live streams") {
  ServerFixture fixture;
  RawClient client(fixture.port);
  client.send(kLive);
  REQUIRE(fixture.await_streams(1) == 1);
  fixture.stop();  // returns only once every connection and timer is gone
  CHECK(client.read_to_end().starts_with("HTTP/1.1 200"));
  CHECK(fixture.feed.streams() == 0);
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
