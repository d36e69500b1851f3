// Webhook URLs, secrets and attempts against a real loopback receiver: the signature and key it
// sees, and which answers are retried and which refused.
#include "hub/delivery/webhook.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "shared/crypto/sha256.hpp"
#include "tests/support/process.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace recount::hub::delivery {
namespace {

WebhookUrl url_of(const std::string& text) {
  auto url = parse_webhook_url("--correction-webhook", text);
  REQUIRE_MESSAGE(url.has_value(), (url ? "" : url.error().describe()));
  return *url;
}

std::filesystem::path secret_file(const testing::TempDir& dir, const std::string& text, std::filesystem::perms mode) {
  auto file = dir / "secret";
  std::ofstream(file) << text;
  std::filesystem::permissions(file, mode);
  return file;
}

TEST_CASE("a webhook URL gives its scheme, host, port and path, the path defaults to /") {
  const auto url = url_of("https://hooks.example:8443/recount/corrections?shop=1");
  CHECK(url.endpoint.url.scheme == Scheme::kHttps);
  CHECK(url.endpoint.url.address.host == "hooks.example");
  CHECK(url.endpoint.url.address.port == 8443);
  CHECK(url.target == "/recount/corrections?shop=1");
  CHECK(url_of("http://127.0.0.1:9000").target == "/");
}

TEST_CASE("a webhook URL without a port, with another scheme or with spaces is refused naming the option") {
  for (const char* text :
       {"http://127.0.0.1/hook", "ftp://127.0.0.1:21/x", "http://127.0.0.1:80/a b", "127.0.0.1:80"}) {
    auto url = parse_webhook_url("--correction-webhook", text);
    REQUIRE_FALSE(url.has_value());
    CHECK(url.error().field == "--correction-webhook");
  }
}

TEST_CASE("the webhook secret is the file's first line, a file every user can read is refused") {
  testing::TempDir dir;
  auto secret = read_webhook_secret("--webhook-secret-file",
                                    secret_file(dir, "s3cret\r\nignored\n", std::filesystem::perms(0600)));
  REQUIRE(secret.has_value());
  CHECK(*secret == "s3cret");
  auto open = read_webhook_secret("--webhook-secret-file", secret_file(dir, "s3cret\n", std::filesystem::perms(0644)));
  REQUIRE_FALSE(open.has_value());
  CHECK(open.error().field == "--webhook-secret-file");
  CHECK(open.error().message.find("readable by every user (mode 0644)") != std::string::npos);
  CHECK_FALSE(read_webhook_secret("--webhook-secret-file", secret_file(dir, "\nx\n", std::filesystem::perms(0600)))
                  .has_value());
  CHECK_FALSE(read_webhook_secret("--webhook-secret-file", dir / "missing").has_value());
}

TEST_CASE("the signature is sha256= and the hex HMAC-SHA256 of the body under the secret") {
  CHECK(webhook_signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("an attempt POSTs the body signed, with its idempotency key, and a 2xx answer delivers it") {
  testing::WebhookReceiver receiver("secret-1", [](std::size_t) { return testing::WebhookReply{202}; });
  const auto result = post_webhook(url_of(receiver.url("/hook?x=1")), "secret-1", "key-1", R"({"on_hand":12})",
                                   std::chrono::seconds(10), system_wall_clock());
  CHECK(result.outcome == AttemptOutcome::kDelivered);
  CHECK(result.status == 202);
  CHECK(result.error.empty());
  CHECK(result.finished_ms >= result.started_ms);
  const auto received = receiver.received();
  REQUIRE(received.size() == 1);
  CHECK(received[0].target == "/hook?x=1");
  CHECK(received[0].body == R"({"on_hand":12})");
  CHECK(received[0].idempotency_key == "key-1");
  CHECK(received[0].user_agent == "recount-hub");
  CHECK(received[0].signature_valid);
}

TEST_CASE("a receiver holding another secret finds the signature invalid") {
  testing::WebhookReceiver receiver("other", [](std::size_t) { return testing::WebhookReply{200}; });
  CHECK(post_webhook(url_of(receiver.url()), "secret-1", "k", "{}", std::chrono::seconds(10), system_wall_clock())
            .outcome == AttemptOutcome::kDelivered);
  CHECK_FALSE(receiver.received().at(0).signature_valid);
}

TEST_CASE("5xx, 429, 408 and no connection are retried, other refusals, 401 too, are not") {
  for (unsigned status : {500U, 503U, 429U, 408U}) {
    testing::WebhookReceiver receiver("s", [status](std::size_t) { return testing::WebhookReply{status}; });
    const auto result =
        post_webhook(url_of(receiver.url()), "s", "k", "{}", std::chrono::seconds(10), system_wall_clock());
    CHECK(result.outcome == AttemptOutcome::kRetry);
    CHECK(result.status == status);
    CHECK(result.error.find("HTTP " + std::to_string(status)) == 0);
  }
  for (unsigned status : {400U, 401U, 404U, 422U}) {
    testing::WebhookReceiver receiver("s", [status](std::size_t) { return testing::WebhookReply{status}; });
    const auto result =
        post_webhook(url_of(receiver.url()), "s", "k", "{}", std::chrono::seconds(10), system_wall_clock());
    CHECK(result.outcome == AttemptOutcome::kRefused);
    CHECK(result.status == status);
  }
  std::uint16_t closed_port = 0;
  {
    testing::WebhookReceiver gone("s", [](std::size_t) { return testing::WebhookReply{}; });
    closed_port = gone.port();
  }
  const auto refused = post_webhook(url_of("http://127.0.0.1:" + std::to_string(closed_port) + "/hook"), "s", "k", "{}",
                                    std::chrono::seconds(10), system_wall_clock());
  CHECK(refused.outcome == AttemptOutcome::kRetry);
  CHECK(refused.status == 0);
  CHECK(refused.error.find("cannot connect") != std::string::npos);
}

TEST_CASE("a receiver that does not answer within the timeout is retried later, with the timeout named") {
  testing::WebhookReceiver receiver("s", [](std::size_t) { return testing::WebhookReply{200, true}; });
  const auto result =
      post_webhook(url_of(receiver.url()), "s", "k", "{}", std::chrono::milliseconds(300), system_wall_clock());
  receiver.release();
  CHECK(result.outcome == AttemptOutcome::kRetry);
  CHECK(result.status == 0);
  CHECK(result.error.find("no answer within 300 ms") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub::delivery
