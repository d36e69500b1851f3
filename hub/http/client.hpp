// A minimal blocking HTTP/1.1 client for recountctl (and the hub's webhooks): one GET, POST or PUT
// over HTTP or HTTPS, one answer, a deadline on the whole, the operator's bearer token on every
// request to a hub.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http/address.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

// Which hub to ask, and as whom.
struct HubEndpoint {
  HubUrl url;
  // https: a PEM file of the CA that must have signed the hub's certificate; empty: the system's
  // CAs. The certificate must also name url.address.host.
  std::filesystem::path ca_file;
  std::string token;         // sent as "Authorization: Bearer TOKEN"; empty: none
  std::string token_source;  // where the token came from, or where none was found: for messages

  HubEndpoint() = default;
  // A plain-HTTP hub, without a token (tests, and servers whose routes are public).
  HubEndpoint(HostPort address) : url{Scheme::kHttp, std::move(address)} {}  // NOLINT: a HostPort is one
  std::string to_string() const { return url.to_string(); }
};

// GETs `target` ("/api/v1/stats") from `hub` and returns whatever status it answered with, but
// for a 401, which becomes an error naming the hub's reason and where the token came from (or
// that none was found). A server that answers before it has read the whole request (413, 401)
// is heard: its answer is returned, not the failure to send the rest. Blocks at most `timeout`. Errors: kUnavailable
// when the server cannot be resolved, refuses the connection, does not answer in time, fails TLS verification (naming
// the reason), or answers something that is not HTTP (or is larger than 64 MiB), or 401. Thread-safe: each call has its
// own connection and io_context.
Result<HttpAnswer> http_get(const HubEndpoint& hub, std::string_view target,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

// POSTs `body` with `content_type` to `target`; otherwise as http_get.
Result<HttpAnswer> http_post(const HubEndpoint& hub, std::string_view target, std::string body,
                             std::string_view content_type,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

// POSTs the contents of `file` with `content_type` to `target`, streamed from disk (the client
// holds a few KiB of it at a time). Errors: kInvalidInput "cannot read FILE: reason" when it
// cannot be opened; otherwise as http_get.
Result<HttpAnswer> http_post_file(const HubEndpoint& hub, std::string_view target, const std::filesystem::path& file,
                                  std::string_view content_type,
                                  std::chrono::milliseconds timeout = std::chrono::minutes(10));

// PUTs `body` with `content_type` to `target`; otherwise as http_get.
Result<HttpAnswer> http_put(const HubEndpoint& hub, std::string_view target, std::string body,
                            std::string_view content_type,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A header a request carries besides the client's own (Host, User-Agent, Accept, the token).
struct HttpHeader {
  std::string name;
  std::string value;
};

// POSTs `body` to `target` of a server that is not a hub (a webhook's receiver,
// hub/delivery/webhook.hpp) with `headers` added and user agent `user_agent`: every status, 401
// too, is returned as answered. Otherwise as http_post.
Result<HttpAnswer> http_post_to_peer(const HubEndpoint& peer, std::string_view target, std::string body,
                                     std::string_view content_type, const std::vector<HttpHeader>& headers,
                                     std::string_view user_agent, std::chrono::milliseconds timeout);

}  // namespace recount::hub
