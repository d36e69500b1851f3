// The one adapter over Paho MQTT C++: a connection that reconnects by itself and delivers every
// callback on the owner's io_context, never on Paho's threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared/core/result.hpp"

namespace boost::asio {
class thread_pool;
}

namespace recount::mqtt {

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
};

enum class Qos { kAtMostOnce = 0, kAtLeastOnce = 1 };
// Whether the link hands received messages over (Link::set_delivery).
enum class Delivery { kFlowing, kPaused };
enum class Retain { kNo, kYes };

// How the link proves who the broker is and who we are. TLS is on when the URI's scheme is
// mqtts:// (or ssl://); then the broker's certificate is verified against `ca_file` (or the
// system's trust store when it is empty) and its host name or IP address is checked against the URI.
struct LinkSecurity {
  std::filesystem::path ca_file;    // PEM certificates trusted for the broker (mqtts only)
  std::filesystem::path cert_file;  // the client's certificate (PEM, mqtts only); with key_file
  std::filesystem::path key_file;   // its private key (PEM, unencrypted)
  std::string username;             // empty: none sent
  std::string password;             // sent only with a username
};

// Whether `uri` asks for TLS: mqtts:// or ssl://.
bool uses_tls(const std::string& uri);

// Checks a broker URI and its security before a link is made, so that a typo is reported at once
// instead of as an endless reconnect. Errors (kInvalidInput), each naming the option: a scheme
// other than tcp, mqtt, mqtts or ssl, no host or port; a CA or client certificate with a plain
// URI; a certificate without its key or the other way round; a password without a user name; a
// file that cannot be read.
Result<void> check_broker(const std::string& uri, const LinkSecurity& security);

// The password in `file`: its first line, without the line break. Errors (kInvalidInput, field
// --mqtt-password-file): the file cannot be read or its first line is empty.
Result<std::string> read_password_file(const std::filesystem::path& file);

struct LinkOptions {
  std::string uri;  // tcp://host:port, or mqtts://host:port for TLS
  LinkSecurity security;
  std::string client_id;  // stable per device, so the broker keeps its session
  bool clean_session = false;
  std::optional<Message> will;   // published by the broker if we vanish (QoS 1, retained as set)
  std::optional<Message> birth;  // published on every connect before on_connected runs
  int max_inflight = 32;         // Paho's in-flight window; keep the caller's window ≤ this
  std::chrono::seconds keep_alive{10};
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{5000};
  // Messages posted to the io_context but not yet handled. Past this, Paho's receive thread
  // waits, which pushes back through TCP to the broker instead of growing memory without bound.
  std::size_t max_pending_messages = 20000;
};

// A link to one broker. Create, set the handlers, start(); all handlers run on `io`. Not
// thread-safe: call its methods from the io_context's thread. Reconnects with exponential
// backoff after a failed connect or a lost connection, and re-subscribes every filter given to
// subscribe() on each connect (a restarted broker without persistence forgets them). Each
// connection to the broker gets TCP_NODELAY once it is up: MQTT's packets are small and each is
// awaited by someone, so Nagle's algorithm only ever made them wait (up to Linux's 40 ms delayed
// ACK; Paho C before 1.3.16 leaves it on).
//
// The link calls Paho from a thread of its own, never from the io_context's: Paho's receive thread
// holds Paho's lock while it hands a message over, and waits there while delivery is paused or the
// io_context is behind (max_pending_messages). A Paho call from the io_context's thread would then
// wait for a lock whose holder waits for that thread: the hub froze this way under load.
class Link {
 public:
  Link(boost::asio::io_context& io, LinkOptions options);
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  ~Link();

  void on_connected(std::function<void()> handler);
  void on_disconnected(std::function<void(const std::string& reason)> handler);
  void on_message(std::function<void(Message)> handler);
  // Runs when a connection attempt fails, with why in words ("TLS handshake failed: certificate
  // verify failed", "broker refused: bad user name or password"): on the first failure and
  // whenever the reason changes, not on every retry of the same failure. The link keeps retrying.
  void on_connect_failed(std::function<void(const std::string& reason)> handler);

  void start();  // once
  // Publishes `farewell` if given (e.g. an orderly "offline" status), waits at most `timeout` for
  // the broker to acknowledge the messages in flight, then disconnects and releases the
  // connection. Blocks: for a broker that answers, until it has acknowledged them; for one that
  // does not, up to ~3.5 s past `timeout` more, until Paho gives up on them. No handler runs
  // after stop() returns, and the link cannot be started again.
  void stop(std::optional<Message> farewell = std::nullopt,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  bool connected() const { return connected_; }

  // Paused, Paho's receive thread waits before it hands over the next message, which pushes back
  // through TCP to the broker; messages it had already handed over still reach on_message.
  // Flowing again, it goes on where it stopped. For a receiver whose own queue is full.
  void set_delivery(Delivery delivery);

  // Adds filters to the subscription set and subscribes now if connected.
  void subscribe(const std::vector<std::string>& filters, Qos qos);

  // Publishes; `done` runs on the io_context once the broker took the message (PUBACK for QoS 1),
  // or with kUnavailable when not connected, Paho's buffer is full, or the connection dropped.
  // A PUBACK is not an application acknowledgement: callers that need durability wait for one.
  using Completion = std::function<void(Result<void>)>;
  void publish(Message message, Qos qos, Completion done = {});

  // The io_context its callbacks run on, for owners that post back to it from threads of their own.
  boost::asio::io_context& io() { return io_; }

 private:
  struct State;  // shared with Paho's threads; outlives the Link until they are done
  void connect();
  void schedule_reconnect();
  void handle_connected();
  void report_connect_failure(const std::string& reason);
  void subscribe_now(const std::string& filter, Qos qos);
  void publish_now(Message message, Qos qos, Completion done);
  // Runs `call` on the link's Paho thread, in order of calls.
  template <typename Call>
  void call_paho(Call call);

  boost::asio::io_context& io_;
  LinkOptions options_;
  std::shared_ptr<State> state_;
  std::unique_ptr<boost::asio::thread_pool> paho_calls_;  // one thread: calls keep their order
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds backoff_;
  bool connected_ = false;
  // The connection is up and its subscriptions are queued to Paho, ahead of any later publish (one
  // thread runs Paho's calls in order); set before connected_, which waits for Paho to hold them.
  bool established_ = false;
  std::uint64_t connection_ = 0;  // counts connects and losses: a late "connected" is ignored
  bool stopping_ = false;
  bool connecting_ = false;
  std::vector<std::pair<std::string, Qos>> subscriptions_;
  std::function<void()> on_connected_;
  std::function<void(const std::string&)> on_disconnected_;
  std::function<void(const std::string&)> on_connect_failed_;
  std::string last_failure_;  // reported already; cleared by a successful connect
};

}  // namespace recount::mqtt
