// A minimal blocking HTTP/1.1 client for recountctl: one GET, POST or PUT, one answer, a deadline on the whole.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "hub/http/address.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

// `text` as a query value: bytes other than letters, digits and -._~ become %XX escapes, so any
// text survives the hub's decoding (Request::from_target) unchanged.
std::string percent_encoded(std::string_view text);

// GETs `target` ("/api/v1/stats") from `server` and returns whatever status it answered with.
// Blocks at most `timeout`. Errors: kUnavailable when the server cannot be resolved, refuses the
// connection, does not answer in time, or answers something that is not HTTP (or is larger than
// 64 MiB). Thread-safe: each call has its own connection and io_context.
Result<HttpAnswer> http_get(const HostPort& server, std::string_view target,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

// POSTs `body` with `content_type` to `target`; otherwise as http_get.
Result<HttpAnswer> http_post(const HostPort& server, std::string_view target, std::string body,
                             std::string_view content_type, std::chrono::milliseconds timeout = std::chrono::seconds(30));

// PUTs `body` with `content_type` to `target`; otherwise as http_get.
Result<HttpAnswer> http_put(const HostPort& server, std::string_view target, std::string body,
                            std::string_view content_type,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace recount::hub
