// Signed webhooks (docs/corrections.md §Webhooks): one JSON POST per attempt, its body signed with
// HMAC-SHA256 under a shared secret (X-Recount-Signature: sha256=HEX) and carrying the
// Idempotency-Key of what it delivers, so a receiver that honours the key applies it once however
// often it is retried. Every feature that notifies another system (corrections, alerts) sends
// through here.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "hub/http/client.hpp"
#include "shared/core/hlc.hpp"
#include "shared/core/result.hpp"

namespace recount::hub::delivery {

// Where a webhook goes: "http://host:port/path" or "https://host:port/path" (the port is
// required; the path defaults to "/"). HTTPS checks the receiver's certificate against the
// system's CAs, or `endpoint.ca_file` when set, and its host name.
struct WebhookUrl {
  HubEndpoint endpoint;  // scheme, host, port, CA file; no token
  std::string target;    // "/path?query"
  std::string text;      // as given, for messages
};

// Parses `text`. Errors: kInvalidInput naming `field`: another scheme, no or a bad port, control
// characters or spaces in the path. Pure.
Result<WebhookUrl> parse_webhook_url(std::string_view field, std::string_view text);

// The secret in `file`, its first line without the line break. Errors: kInvalidInput naming
// `field` when the file cannot be read, is readable by every user (a secret others could have
// copied is refused, as the agent refuses its credentials) or has an empty first line. Blocks.
Result<std::string> read_webhook_secret(std::string_view field, const std::filesystem::path& file);

// "sha256=" and the hex HMAC-SHA256 of `body` under `secret`: the X-Recount-Signature value. Pure.
std::string webhook_signature(std::string_view secret, std::string_view body);

// How one attempt ended: delivered (2xx); retry (no connection, no answer in time, 408, 429 or
// 5xx: the receiver may take it later); refused (any other status: sending it again would be
// refused again, so an operator must look).
enum class AttemptOutcome { kDelivered, kRetry, kRefused };
std::string_view to_string(AttemptOutcome outcome);

struct AttemptResult {
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  unsigned status = 0;  // the HTTP status; 0: none came
  std::string error;    // empty when delivered: "HTTP 503: <body start>", "cannot connect to ..."
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
};

// One attempt: POSTs `body` (JSON) to `url` with X-Recount-Signature, Idempotency-Key `key` and
// User-Agent recount-hub, waiting at most `timeout` for the whole exchange. Never fails: every
// failure is an outcome. Blocks (call it from a worker, never from the hub's io_context);
// thread-safe.
AttemptResult post_webhook(const WebhookUrl& url, std::string_view secret, std::string_view key, std::string body,
                           std::chrono::milliseconds timeout, const WallClock& wall);

}  // namespace recount::hub::delivery
