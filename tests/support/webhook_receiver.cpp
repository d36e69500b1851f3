// The test webhook receiver: Beast, asynchronous, on its own io_context and thread.
#include "tests/support/webhook_receiver.hpp"

#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "shared/crypto/sha256.hpp"

namespace recount::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = boost::asio::ip::tcp;

struct Connection : std::enable_shared_from_this<Connection> {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  boost::asio::steady_timer hold_timer;
  std::chrono::steady_clock::time_point hold_until;

  explicit Connection(Tcp::socket socket) : stream(std::move(socket)), hold_timer(stream.get_executor()) {}
};

}  // namespace

WebhookReceiver::WebhookReceiver(std::string secret, Script script)
    : secret_(std::move(secret)), script_(std::move(script)), acceptor_(io_, Tcp::endpoint(Tcp::v4(), 0)) {
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

WebhookReceiver::~WebhookReceiver() {
  io_.stop();
  thread_.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

void WebhookReceiver::accept() {
  acceptor_.async_accept([this](beast::error_code error, Tcp::socket socket) {
    if (error) return;
    auto connection = std::make_shared<Connection>(std::move(socket));
    connection->stream.expires_after(std::chrono::seconds(30));
    http::async_read(
        connection->stream, connection->buffer, connection->request,
        [this, connection](beast::error_code read, std::size_t) {
          if (read) return;
          ReceivedWebhook received{std::string(connection->request.target()), connection->request.body(),
                                   std::string(connection->request["X-Recount-Signature"]),
                                   std::string(connection->request["Idempotency-Key"]),
                                   std::string(connection->request[http::field::user_agent])};
          received.signature_valid = received.signature == "sha256=" + hmac_sha256_hex(secret_, received.body);
          std::size_t index = 0;
          {
            const std::lock_guard lock(mutex_);
            index = received_.size();
            received_.push_back(std::move(received));
          }
          const WebhookReply reply = script_(index);
          connection->response =
              http::response<http::string_body>(static_cast<http::status>(reply.status), connection->request.version());
          connection->response.body() = reply.status < 300 ? "{\"ok\":true}" : "{\"error\":\"scripted\"}";
          connection->response.prepare_payload();
          connection->response.keep_alive(false);
          auto answer = [connection] {
            http::async_write(connection->stream, connection->response, [connection](beast::error_code, std::size_t) {
              beast::error_code ignored;
              connection->stream.socket().shutdown(Tcp::socket::shutdown_send, ignored);
            });
          };
          if (!reply.hold) {
            answer();
            return;
          }
          ++held_;
          connection->hold_until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          // Polls the release flag: bounded by hold_until. The step refers to itself weakly, so that
          // only its pending timer owns it and a receiver destroyed while it holds a request frees it.
          auto wait = std::make_shared<std::function<void()>>();
          *wait = [this, connection, answer, self = std::weak_ptr(wait)] {
            if (released_.load() || std::chrono::steady_clock::now() >= connection->hold_until) {
              --held_;
              answer();
              return;
            }
            connection->hold_timer.expires_after(std::chrono::milliseconds(10));
            connection->hold_timer.async_wait([step = self.lock()](beast::error_code) { (*step)(); });
          };
          (*wait)();
        });
    accept();
  });
}

}  // namespace recount::testing
