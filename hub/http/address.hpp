// Where the hub's HTTP API listens and where clients find it: "127.0.0.1:8080" and
// "http://127.0.0.1:8080" or "https://hub.example:8443".
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

enum class Scheme { kHttp, kHttps };

struct HubUrl {
  Scheme scheme = Scheme::kHttp;
  HostPort address;

  std::string to_string() const { return (scheme == Scheme::kHttps ? "https://" : "http://") + address.to_string(); }
};

// "http://host:port" or "https://host:port", optionally with a trailing "/". Errors:
// kInvalidInput naming `field`, also for another scheme and for port 0.
Result<HubUrl> parse_hub_url(std::string_view field, std::string_view text);

}  // namespace recount::hub
