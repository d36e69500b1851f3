// Listen addresses and hub URLs.
#include "hub/http/address.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

TEST_CASE("host:port splits at the last colon and accepts port 0") {
  const auto address = parse_host_port("--http", "127.0.0.1:0");
  REQUIRE(address.has_value());
  CHECK(address->host == "127.0.0.1");
  CHECK(address->port == 0);
  CHECK(parse_host_port("--http", "localhost:8080")->to_string() == "localhost:8080");
}

TEST_CASE("host:port without a host, without a port, or with a port past 65535 is refused naming the option") {
  for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x", "127.0.0.1:-1"}) {
    INFO(bad);
    const auto address = parse_host_port("--http", bad);
    REQUIRE_FALSE(address.has_value());
    CHECK(address.error().field == "--http");
  }
}

TEST_CASE("an http or https URL gives scheme, host and port, with or without a trailing slash") {
  CHECK(parse_hub_url("--hub", "http://127.0.0.1:8080")->address.port == 8080);
  CHECK(parse_hub_url("--hub", "http://127.0.0.1:8080")->scheme == Scheme::kHttp);
  CHECK(parse_hub_url("--hub", "http://hub.example:81/")->address.host == "hub.example");
  const auto secure = parse_hub_url("--hub", "https://hub.example:8443/");
  REQUIRE(secure.has_value());
  CHECK(secure->scheme == Scheme::kHttps);
  CHECK(secure->to_string() == "https://hub.example:8443");
}

TEST_CASE("another scheme, a bare address and port 0 are refused as hub URLs") {
  CHECK_FALSE(parse_hub_url("--hub", "ftp://127.0.0.1:8443").has_value());
  CHECK_FALSE(parse_hub_url("--hub", "127.0.0.1:8080").has_value());
  CHECK_FALSE(parse_hub_url("--hub", "http://127.0.0.1:0").has_value());
}

}  // namespace
}  // namespace recount::hub
