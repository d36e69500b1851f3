// Where the hub's HTTP API listens and where clients find it: "127.0.0.1:8080" and
// "http://127.0.0.1:8080".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

struct HostPort {
  std::string host;  // a name or an IPv4 address; IPv6 in brackets is not supported yet
  std::uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// Both parsers are pure functions: thread-safe, non-blocking.

// "host:port" with port 0..65535 (0: any free port). Errors: kInvalidInput naming `field`.
Result<HostPort> parse_host_port(std::string_view field, std::string_view text);

// "http://host:port", optionally with a trailing "/". Errors: kInvalidInput naming `field`, also
// for https (the API is plain HTTP behind a local reverse proxy for now) and for port 0.
Result<HostPort> parse_http_url(std::string_view field, std::string_view text);

}  // namespace recount::hub
