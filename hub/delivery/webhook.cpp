// Signed webhook attempts over the hub's HTTP client (hub/http/client.hpp).
#include "hub/delivery/webhook.hpp"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "shared/crypto/sha256.hpp"

namespace recount::hub::delivery {

Result<WebhookUrl> parse_webhook_url(std::string_view field, std::string_view text) {
  const auto scheme_end = text.find("://");
  const auto path_start = text.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  const std::string_view origin = text.substr(0, path_start);
  auto url = parse_hub_url(field, origin);
  if (!url) return url.error();
  std::string target = path_start == std::string_view::npos ? "/" : std::string(text.substr(path_start));
  const bool clean = std::all_of(target.begin(), target.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) != 0x7F;
  });
  if (!clean) {
    return invalid(std::string(field),
                   "the path of '" + std::string(text) + "' has spaces or control characters: percent-encode them");
  }
  WebhookUrl webhook;
  webhook.endpoint.url = std::move(*url);
  webhook.target = std::move(target);
  webhook.text = std::string(text);
  return webhook;
}

Result<std::string> read_webhook_secret(std::string_view field, const std::filesystem::path& file) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error) return invalid(std::string(field), "cannot read " + file.string() + ": " + error.message());
  if ((status.permissions() & std::filesystem::perms::others_read) != std::filesystem::perms::none) {
    std::ostringstream mode;
    mode << std::oct << std::setw(4) << std::setfill('0') << static_cast<unsigned>(status.permissions());
    return invalid(std::string(field), file.string() + " is readable by every user (mode " + mode.str() +
                                           "): make it readable by the hub only (chmod o-r) and consider the "
                                           "secret in it disclosed");
  }
  std::ifstream in(file);
  std::string secret;
  if (!in || !std::getline(in, secret)) return invalid(std::string(field), "cannot read " + file.string());
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) return invalid(std::string(field), file.string() + " has no secret on its first line");
  return secret;
}

std::string webhook_signature(std::string_view secret, std::string_view body) {
  return "sha256=" + hmac_sha256_hex(secret, body);
}

std::string_view to_string(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kDelivered: return "delivered";
    case AttemptOutcome::kRetry: return "retry";
    case AttemptOutcome::kRefused: return "refused";
  }
  return "retry";
}

AttemptResult post_webhook(const WebhookUrl& url, std::string_view secret, std::string_view key, std::string body,
                           std::chrono::milliseconds timeout, const WallClock& wall) {
  AttemptResult result;
  result.started_ms = wall();
  const std::vector<HttpHeader> headers{{"X-Recount-Signature", webhook_signature(secret, body)},
                                        {"Idempotency-Key", std::string(key)}};
  auto answer =
      http_post_to_peer(url.endpoint, url.target, std::move(body), "application/json", headers, "recount-hub", timeout);
  result.finished_ms = wall();
  if (!answer) {
    result.error = answer.error().describe();
    return result;
  }
  result.status = answer->status;
  if (answer->status >= 200 && answer->status < 300) {
    result.outcome = AttemptOutcome::kDelivered;
    return result;
  }
  // A receiver's answer is outside data: keep the start of it, enough to read the reason.
  constexpr std::size_t kShown = 200;
  result.error = "HTTP " + std::to_string(answer->status) + " from " + url.text +
                 (answer->body.empty() ? "" : ": " + answer->body.substr(0, kShown));
  const bool later = answer->status == 408 || answer->status == 429 || answer->status >= 500;
  result.outcome = later ? AttemptOutcome::kRetry : AttemptOutcome::kRefused;
  return result;
}

}  // namespace recount::hub::delivery
