// recountctl's HTTP client against a real server, a closed port and a server that never answers.
#include "hub/http/client.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <boost/asio/post.hpp>

#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "tests/hub/tls_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {
namespace {

TEST_CASE("a GET returns the status and body of whatever the server answers") {
  boost::asio::io_context io;
  Router router;
  router.add_public("GET", "/api/v1/hello", [](const Request& request) {
    return Response::json(200, {{"limit", request.query.at("limit")}});
  });
  auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router).value();
  const HostPort address = server->local_address();
  server->start();
  std::thread thread([&] { io.run(); });

  const auto hello = http_get(address, "/api/v1/hello?limit=5");
  const auto missing = http_get(address, "/api/v1/missing");
  boost::asio::post(io, [&] { server->stop(); });
  thread.join();

  REQUIRE(hello.has_value());
  CHECK(hello->status == 200);
  CHECK(hello->body == "{\"limit\":\"5\"}");
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);
}

TEST_CASE("a 401 from something that is not a hub, its message not a string, is reported with its body") {
  boost::asio::io_context io;
  Router router;
  router.add_public("GET", "/api/v1/stats", [](const Request&) {
    return Response::json(401, {{"error", {{"code", 7}, {"message", {{"nested", true}}}}}});
  });
  auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router).value();
  const HostPort address = server->local_address();
  server->start();
  std::thread thread([&] { io.run(); });

  const auto refused = http_get(address, "/api/v1/stats");
  boost::asio::post(io, [&] { server->stop(); });
  thread.join();

  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find(R"(refused the request (401): {"error":{"code":7,"message":{"nested":true}}})") !=
        std::string::npos);
}

TEST_CASE("over https the hub's certificate is verified against the CA given: its own CA passes, another is refused") {
  testing::TempDir dir;
  const auto certificates = testing::make_certificates(dir.path());
  boost::asio::io_context io;
  Router router;
  router.add_public("GET", "/api/v1/hello", [](const Request&) { return Response::json(200, {{"hello", "tls"}}); });
  HttpServerOptions options;
  options.certificate_file = certificates.certificate;
  options.key_file = certificates.key;
  auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options).value();
  const HostPort address = server->local_address();
  server->start();
  std::thread thread([&] { io.run(); });

  HubEndpoint hub;
  hub.url = {Scheme::kHttps, address};
  hub.ca_file = certificates.authority;
  const auto trusted = http_get(hub, "/api/v1/hello");
  HubEndpoint by_name = hub;
  by_name.url.address.host = "localhost";
  const auto named = http_get(by_name, "/api/v1/hello");
  HubEndpoint fooled = hub;
  fooled.ca_file = certificates.stranger;
  const auto refused = http_get(fooled, "/api/v1/hello");
  const auto plain = http_get(address, "/api/v1/hello", std::chrono::seconds(2));
  boost::asio::post(io, [&] { server->stop(); });
  thread.join();

  REQUIRE(trusted.has_value());
  CHECK(trusted->body == "{\"hello\":\"tls\"}");
  REQUIRE(named.has_value());
  CHECK(named->status == 200);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("cannot verify TLS with https://127.0.0.1:") != std::string::npos);
  CHECK_FALSE(plain.has_value());  // plain HTTP to a TLS listener gets no HTTP answer
}

TEST_CASE("over https a certificate from the right CA that names another host is refused") {
  testing::TempDir dir;
  const auto certificates = testing::make_certificates(dir.path());
  boost::asio::io_context io;
  Router router;
  router.add_public("GET", "/api/v1/hello", [](const Request&) { return Response::json(200, {}); });
  HttpServerOptions options;
  options.certificate_file = certificates.elsewhere;
  options.key_file = certificates.elsewhere_key;
  auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options).value();
  HubEndpoint hub;
  hub.url = {Scheme::kHttps, server->local_address()};
  hub.ca_file = certificates.authority;
  server->start();
  std::thread thread([&] { io.run(); });
  const auto answer = http_get(hub, "/api/v1/hello");
  boost::asio::post(io, [&] { server->stop(); });
  thread.join();
  REQUIRE_FALSE(answer.has_value());
  CHECK(answer.error().message.find("cannot verify TLS with https://127.0.0.1:") != std::string::npos);
}

TEST_CASE("a certificate or key file that cannot be loaded is refused at listen, naming the option") {
  testing::TempDir dir;
  boost::asio::io_context io;
  Router router;
  HttpServerOptions options;
  options.certificate_file = dir / "missing.pem";
  options.key_file = dir / "missing.key";
  const auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options);
  REQUIRE_FALSE(server.has_value());
  CHECK(server.error().field == "--http-cert");
}

TEST_CASE("a port where nothing listens is reported as unavailable, naming the address") {
  const HostPort nowhere{"127.0.0.1", static_cast<std::uint16_t>(testing::free_loopback_port())};
  const auto answer = http_get(nowhere, "/api/v1/stats");
  REQUIRE_FALSE(answer.has_value());
  CHECK(answer.error().code == ErrorCode::kUnavailable);
  CHECK(answer.error().message.find(nowhere.to_string()) != std::string::npos);
}

TEST_CASE("a server that takes the connection but never answers is given up on after the timeout") {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 4) == 0);  // the kernel completes connections; nobody reads them
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  const auto answer =
      http_get(HostPort{"127.0.0.1", ntohs(address.sin_port)}, "/api/v1/stats", std::chrono::milliseconds(300));
  ::close(listener);
  REQUIRE_FALSE(answer.has_value());
  CHECK(answer.error().code == ErrorCode::kUnavailable);
  CHECK(answer.error().message.find("no answer within 300 ms") != std::string::npos);
}

TEST_CASE("a file is posted from disk, and a hub that refuses it before reading it is heard, not a broken pipe") {
  testing::TempDir dir;
  boost::asio::io_context io;
  Router router;
  router.add(
      "POST", "/api/v1/import/items", auth::Role::kAdmin,
      [](const Request& request) {
        return Response::json(200, {{"bytes", request.body_bytes().size()}});
      },
      BodyLimit::kImport);
  HttpServerOptions options;
  options.upload_directory = dir.path();
  options.max_import_bytes = std::size_t{20} << 20;
  options.authenticate = [](std::string_view token) -> Result<std::optional<auth::Principal>> {
    if (token != "admin-token") return std::optional<auth::Principal>();
    return std::optional(auth::Principal{"ops-anna", auth::Role::kAdmin, std::nullopt});
  };
  auto server = HttpServer::listen(io, HostPort{"127.0.0.1", 0}, router, options).value();
  HubEndpoint hub(server->local_address());
  server->start();
  std::thread thread([&] { io.run(); });
  // Larger than the socket buffers of both ends, so the refusal comes while the client still sends.
  const auto write_file = [&](const std::string& name, std::size_t size) {
    std::ofstream(dir / name, std::ios::binary) << std::string(size, 'x');
    return dir / name;
  };
  const auto small = write_file("small.csv", 300'000);
  const auto large = write_file("large.csv", std::size_t{16} << 20);
  const auto over = write_file("over.csv", std::size_t{24} << 20);

  const auto anonymous = http_post_file(hub, "/api/v1/import/items", large, "text/csv");
  hub.token = "admin-token";
  const auto stored = http_post_file(hub, "/api/v1/import/items", small, "text/csv");
  const auto refused = http_post_file(hub, "/api/v1/import/items", over, "text/csv");
  const auto missing = http_post_file(hub, "/api/v1/import/items", dir / "nothing.csv", "text/csv");
  boost::asio::post(io, [&] { server->stop(); });
  thread.join();

  REQUIRE_FALSE(anonymous.has_value());
  CHECK(anonymous.error().message.find("refused the request (401): an import needs an API token") != std::string::npos);
  REQUIRE(stored.has_value());
  CHECK(stored->status == 200);
  CHECK(stored->body == "{\"bytes\":300000}");
  REQUIRE(refused.has_value());
  CHECK(refused->status == 413);
  CHECK(refused->body.find("larger than the 20971520 bytes this route accepts") != std::string::npos);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("cannot read " + (dir / "nothing.csv").string()) != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
