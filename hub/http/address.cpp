// Parsing of listen addresses and hub URLs.
#include "hub/http/address.hpp"

#include <charconv>

namespace recount::hub {

Result<HostPort> parse_host_port(std::string_view field, std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return invalid(std::string(field), "must be host:port, e.g. 127.0.0.1:8080 (got '" + std::string(text) + "')");
  }
  const std::string_view digits = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    return invalid(std::string(field), "must end in a port from 0 to 65535 (got '" + std::string(digits) + "')");
  }
  return HostPort{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

Result<HubUrl> parse_hub_url(std::string_view field, std::string_view text) {
  HubUrl url;
  if (text.starts_with("https://")) {
    url.scheme = Scheme::kHttps;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return invalid(std::string(field), "must start with http:// or https:// (got '" + std::string(text) + "')");
  }
  if (text.ends_with('/')) text.remove_suffix(1);
  auto address = parse_host_port(field, text);
  if (!address) return address.error();
  if (address->port == 0) return invalid(std::string(field), "must name a port other than 0");
  url.address = std::move(*address);
  return url;
}

}  // namespace recount::hub
