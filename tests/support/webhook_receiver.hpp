// A webhook receiver on 127.0.0.1 for tests of the hub's deliveries (hub/delivery/): it records
// every request with its headers, checks each signature against the shared secret, and answers
// as the test scripts it: a status per request, optionally held until the test releases it (a
// slow receiver). Runs its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace recount::testing {

struct ReceivedWebhook {
  std::string target;
  std::string body;
  std::string signature;        // X-Recount-Signature as sent
  std::string idempotency_key;  // Idempotency-Key as sent
  std::string user_agent;
  bool signature_valid = false;  // "sha256=" + HMAC-SHA256(secret, body)
};

// What to answer the n-th request (0-based): a status, and whether to hold the answer until
// release() (bounded: at most 30 s).
struct WebhookReply {
  unsigned status = 200;
  bool hold = false;
};

// Thread-safe accessors; the script runs on the receiver's thread.
class WebhookReceiver {
 public:
  using Script = std::function<WebhookReply(std::size_t request_index)>;
  WebhookReceiver(std::string secret, Script script);
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver();

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  std::vector<ReceivedWebhook> received() const;
  // How many requests are being held now.
  std::size_t held() const { return held_.load(); }
  // Answers every held request (and lets later ones through unheld if the script says hold).
  void release() { released_.store(true); }

 private:
  void accept();
  std::string secret_;
  Script script_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<ReceivedWebhook> received_;
  std::atomic<std::size_t> held_{0};
  std::atomic<bool> released_{false};
  std::thread thread_;
};

}  // namespace recount::testing
