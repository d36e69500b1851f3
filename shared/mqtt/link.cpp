// Paho MQTT adapter.
#include "shared/mqtt/link.hpp"

#include <MQTTAsync.h>
#include <arpa/inet.h>
#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace recount::mqtt {
namespace {

// Paho takes listeners by reference and calls exactly one of these on its own thread. Each
// operation gets its own listener, which deletes itself after that call.
class OneShotListener final : public ::mqtt::iaction_listener {
 public:
  // On failure, the Error's field holds Paho's return code (a CONNACK code for a refused connect).
  using Handler = std::function<void(Result<void>)>;
  explicit OneShotListener(Handler handler) : handler_(std::move(handler)) {}

  void on_success(const ::mqtt::token&) override { finish({}); }
  // For an operation Paho refused to start, so neither callback will come.
  void on_refused(std::string why) { finish(Error{ErrorCode::kUnavailable, "", std::move(why)}); }
  void on_failure(const ::mqtt::token& token) override {
    const int code = token.get_return_code();
    finish(Error{ErrorCode::kUnavailable, std::to_string(code),
                 "MQTT operation failed (code " + std::to_string(code) + ")"});
  }

 private:
  void finish(Result<void> result) {
    if (handler_) handler_(std::move(result));
    delete this;
  }
  Handler handler_;
};

// A refused connect in words. MQTT 3.1.1 refusals carry a CONNACK code; a failed TLS handshake
// shows only as a generic failure, so OpenSSL's own last complaint (`tls_error`) says why.
std::string describe_connect_failure(const std::string& code, const std::string& tls_error) {
  if (code == "1") return "broker refused: unacceptable protocol version";
  if (code == "2") return "broker refused: client id rejected";
  if (code == "3") return "broker refused: server unavailable";
  if (code == "4") return "broker refused: bad user name or password";
  if (code == "5") return "broker refused: not authorized (no or unknown credentials)";
  if (tls_error.find("unknown CA") != std::string::npos) {
    return "TLS handshake failed: the broker's certificate is not signed by a trusted CA (--mqtt-ca): " + tls_error;
  }
  if (tls_error.starts_with("X509_check_host")) {
    return "TLS handshake failed: the broker's certificate does not name the host of the URI: " + tls_error;
  }
  if (!tls_error.empty()) return "TLS handshake failed: " + tls_error;
  return "cannot connect to the broker (code " + code + ")";
}

// Why the last TLS handshake failed, in OpenSSL's words as Paho C traces them. Paho C++ 1.2's own
// TLS error handler points into connect options that it frees after connect() (research/sync.md
// §2.10), so the trace is the one safe source. It is process-wide: with several TLS links in one
// process, a reason may come from a sibling's handshake, which tests with one link per case avoid.
class TlsTrace {
 public:
  static TlsTrace& instance() {
    static TlsTrace trace;
    return trace;
  }
  // Starts listening (once per process); at the protocol level Paho traces handshakes and packets.
  void listen() {
    std::call_once(started_, [] {
      MQTTAsync_setTraceCallback(&TlsTrace::on_trace);
      MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_PROTOCOL);
    });
  }
  // The last complaint since the previous take(), and forgets it.
  std::string take() {
    std::lock_guard lock(mutex_);
    return std::exchange(last_, {});
  }

 private:
  // Paho's trace lines start with a timestamp: "20261203 132659.968 SSL alert write:fatal:unknown CA".
  static void on_trace(enum MQTTASYNC_TRACE_LEVELS, char* line) {
    std::string_view text(line);
    for (const std::string_view marker : {"SSL alert write:fatal:", "SSL alert read:fatal:", "X509_check_host for"}) {
      if (const auto at = text.find(marker); at != std::string_view::npos) {
        auto& trace = instance();
        std::lock_guard lock(trace.mutex_);
        trace.last_ = text.substr(at);
        return;
      }
    }
  }
  std::once_flag started_;
  std::mutex mutex_;
  std::string last_;
};

bool readable(const std::filesystem::path& file) { return std::ifstream(file).good(); }

// How often Paho looks for operations whose time is up (MQTTAsync_checkTimeouts: at most every
// 3 s), with a margin: the longest a disconnect outlives its own timeout.
constexpr std::chrono::milliseconds kPahoTimeoutSweep{3500};

// What is left until `deadline`; zero once it has passed.
std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

// The port of a broker URI ("tcp://host:1883"), or 0 when it names none.
std::uint16_t port_of(const std::string& uri) {
  const auto colon = uri.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos) return 0;
  const char* begin = uri.data() + colon + 1;
  const char* end = uri.data() + uri.size();
  const auto [rest, error] = std::from_chars(begin, end, port);
  if (error != std::errc{} || rest != end || port > 65535) return 0;
  return static_cast<std::uint16_t>(port);
}

// Sets TCP_NODELAY on every TCP socket of this process whose peer listens on `port`: Paho's
// connections to the broker, which Paho C before 1.3.16 leaves with Nagle's algorithm on and
// gives no way to change. With Nagle, a small MQTT packet (an ack, an event batch, a task list)
// written while an earlier one is unacknowledged waits for the peer's delayed ACK, up to 40 ms
// on Linux: scan-to-task latency was mostly that (docs/performance.md). Another link's socket to
// the same port gets it too, which is what it wants anyway. Best effort: an fd that closes or
// is not a socket meanwhile is skipped.
void disable_nagle_towards(std::uint16_t port) {
  if (port == 0) return;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    int type = 0;
    socklen_t type_size = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof peer;
    if (getpeername(fd, static_cast<sockaddr*>(static_cast<void*>(&peer)), &peer_size) != 0) continue;
    std::uint16_t peer_port = 0;
    if (peer.ss_family == AF_INET) {
      sockaddr_in v4{};
      std::memcpy(&v4, &peer, sizeof v4);
      peer_port = ntohs(v4.sin_port);
    } else if (peer.ss_family == AF_INET6) {
      sockaddr_in6 v6{};
      std::memcpy(&v6, &peer, sizeof v6);
      peer_port = ntohs(v6.sin6_port);
    }
    if (peer_port != port) continue;
    const int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

}  // namespace

bool uses_tls(const std::string& uri) { return uri.starts_with("mqtts://") || uri.starts_with("ssl://"); }

Result<void> check_broker(const std::string& uri, const LinkSecurity& security) {
  const auto scheme_end = uri.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : uri.substr(0, scheme_end);
  if (scheme != "tcp" && scheme != "mqtt" && scheme != "mqtts" && scheme != "ssl") {
    return invalid("--mqtt", "'" + uri + "' is not a broker URI: write tcp://HOST:PORT or mqtts://HOST:PORT");
  }
  const std::string authority = uri.substr(scheme_end + 3);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == authority.size() ||
      authority.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return invalid("--mqtt", "'" + uri + "' needs a host and a port, e.g. " + scheme + "://broker.example:8883");
  }
  const bool tls = uses_tls(uri);
  if (!tls && !security.ca_file.empty()) return invalid("--mqtt-ca", "needs an mqtts:// broker URI, not " + uri);
  if (!tls && !security.cert_file.empty()) return invalid("--mqtt-cert", "needs an mqtts:// broker URI, not " + uri);
  if (security.cert_file.empty() != security.key_file.empty()) {
    return invalid(security.cert_file.empty() ? "--mqtt-cert" : "--mqtt-key",
                   "a client certificate needs both --mqtt-cert and --mqtt-key");
  }
  if (security.username.empty() && !security.password.empty()) {
    return invalid("--mqtt-username", "a password needs a user name");
  }
  for (const auto& [option, file] :
       {std::pair{"--mqtt-ca", security.ca_file}, std::pair{"--mqtt-cert", security.cert_file},
        std::pair{"--mqtt-key", security.key_file}}) {
    if (!file.empty() && !readable(file)) return invalid(option, "cannot read " + file.string());
  }
  return {};
}

Result<std::string> read_password_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string password;
  if (!in || !std::getline(in, password)) return invalid("--mqtt-password-file", "cannot read " + file.string());
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return invalid("--mqtt-password-file", file.string() + " has no password on its first line");
  return password;
}

namespace {

::mqtt::ssl_options tls_options(const LinkSecurity& security) {
  // Paho checks the certificate chain only with enable_server_cert_auth, and the host name only
  // with verify (research/sync.md); both are always on: there is no insecure mode.
  auto builder = ::mqtt::ssl_options_builder().enable_server_cert_auth(true).verify(true);
  if (!security.ca_file.empty()) builder.trust_store(security.ca_file.string());
  if (!security.cert_file.empty()) {
    builder.key_store(security.cert_file.string());
    builder.private_key(security.key_file.string());
  }
  return builder.finalize();
}

// The options of every connect. Paho C++ 1.2 keeps pointers into them (the TLS error handler
// among them) for the client's lifetime (research/sync.md §2.10), so the State holds them.
::mqtt::connect_options connect_options(const LinkOptions& options) {
  auto builder = ::mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_3_1_1)
                     .clean_session(options.clean_session)
                     .keep_alive_interval(options.keep_alive)
                     .connect_timeout(std::chrono::seconds(5))
                     .max_inflight(options.max_inflight);
  if (options.will) {
    builder.will(::mqtt::message(options.will->topic, options.will->payload, 1, options.will->retained));
  }
  const auto& security = options.security;
  if (!security.username.empty()) {
    builder.user_name(security.username);
    if (!security.password.empty()) builder.password(security.password);
  }
  if (uses_tls(options.uri)) builder.ssl(tls_options(security));
  return builder.finalize();
}

// Keeps Paho C's global state for the life of the process. Destroying its last client makes Paho
// free that state, the trace buffer its threads write on every call among it, without waiting for
// its receive thread to leave (its stop loop ends once the send thread exits, and both threads
// trace after their last lock): recount-hub crashed on SIGTERM in 16 of 2,976 stops of a stress
// loop, SIGSEGV in MQTTAsync_rcv writing the freed buffer (the hub maps large allocations apart, so
// the freed buffer is unmapped at once; elsewhere the write lands in freed heap). A client that is
// never connected nor destroyed means there always is one (0 of 5,197 stops crashed).
void keep_paho_initialised() {
  [[maybe_unused]] static const bool kAnchored = [] {
    MQTTAsync anchor = nullptr;
    return MQTTAsync_create(&anchor, "tcp://127.0.0.1:1", "recount-paho-anchor", MQTTCLIENT_PERSISTENCE_NONE,
                            nullptr) == MQTTASYNC_SUCCESS;
  }();
}

std::unique_ptr<::mqtt::async_client> make_client(const LinkOptions& options) {
  keep_paho_initialised();
  return std::make_unique<::mqtt::async_client>(
      options.uri, options.client_id,
      ::mqtt::create_options_builder()
          .mqtt_version(MQTTVERSION_3_1_1)
          .max_buffered_messages(std::max(options.max_inflight * 2, 100))
          .finalize(),
      nullptr);  // no Paho persistence: the journal is the store (research/sync.md §0.4)
}

}  // namespace

// What Paho's threads touch. `alive` turns false in stop(): from then on nothing they post runs.
// Listeners of operations still in flight hold the State, so the last reference may drop on a
// Paho thread; the client itself is therefore destroyed in stop(), on the owner's thread, because
// Paho must never destroy a client from one of its own callbacks.
struct Link::State {
  State(boost::asio::io_context& context, const LinkOptions& options)
      : io(context), client(make_client(options)), max_pending(options.max_pending_messages) {}

  // Runs `work` on the io_context unless the link stopped meanwhile.
  template <typename Work>
  void post(Work work) {
    boost::asio::post(io, [self = weak_self, work = std::move(work)]() mutable {
      if (auto state = self.lock(); state && state->alive) work();
    });
  }

  boost::asio::io_context& io;
  std::unique_ptr<::mqtt::async_client> client;
  std::weak_ptr<State> weak_self;
  std::atomic<bool> alive{true};
  std::function<void(Message)> on_message;

  ::mqtt::connect_options connect_options;

  std::mutex pending_mutex;
  std::condition_variable pending_drained;
  std::size_t pending = 0;
  std::size_t max_pending;
  Delivery delivery = Delivery::kFlowing;  // under pending_mutex
  bool may_wait = true;                    // under pending_mutex; false once the link stops
};

Link::Link(boost::asio::io_context& io, LinkOptions options)
    : io_(io),
      options_(std::move(options)),
      state_(std::make_shared<State>(io, options_)),
      paho_calls_(std::make_unique<boost::asio::thread_pool>(1)),
      reconnect_timer_(io),
      backoff_(options_.reconnect_min) {
  state_->weak_self = state_;
  std::weak_ptr<State> weak = state_;
  state_->connect_options = connect_options(options_);
  if (uses_tls(options_.uri)) TlsTrace::instance().listen();

  state_->client->set_connection_lost_handler([this, weak](const std::string& cause) {
    if (auto state = weak.lock()) {
      state->post([this, cause] {
        ++connection_;
        connected_ = false;
        established_ = false;
        if (on_disconnected_) on_disconnected_(cause.empty() ? "connection lost" : cause);
        schedule_reconnect();
      });
    }
  });

  state_->client->set_message_callback([weak](const ::mqtt::const_message_ptr& message) {
    auto state = weak.lock();
    if (!state) return;
    {
      std::unique_lock lock(state->pending_mutex);
      state->pending_drained.wait(lock, [&] {
        return (state->pending < state->max_pending && state->delivery == Delivery::kFlowing) || !state->may_wait;
      });
      ++state->pending;
    }
    Message copy{message->get_topic(), message->to_string(), message->is_retained()};
    boost::asio::post(state->io, [weak, copy = std::move(copy)]() mutable {
      auto locked = weak.lock();
      if (!locked) return;
      {
        std::lock_guard lock(locked->pending_mutex);
        --locked->pending;
      }
      locked->pending_drained.notify_one();
      if (locked->alive && locked->on_message) locked->on_message(std::move(copy));
    });
  });
}

Link::~Link() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; stop() catches Paho's own exceptions, so this is a thread
    // or allocation failure on the way out, with nothing left to save.
    std::cerr << "recount: the MQTT link could not stop cleanly while being destroyed\n";
  }
}

template <typename Call>
void Link::call_paho(Call call) {
  boost::asio::post(*paho_calls_, std::move(call));
}

void Link::on_connected(std::function<void()> handler) { on_connected_ = std::move(handler); }
void Link::on_disconnected(std::function<void(const std::string&)> handler) { on_disconnected_ = std::move(handler); }
void Link::on_message(std::function<void(Message)> handler) { state_->on_message = std::move(handler); }
void Link::on_connect_failed(std::function<void(const std::string&)> handler) {
  on_connect_failed_ = std::move(handler);
}

void Link::set_delivery(Delivery delivery) {
  {
    std::lock_guard lock(state_->pending_mutex);
    state_->delivery = delivery;
  }
  state_->pending_drained.notify_all();
}

void Link::start() {
  if (!state_->client) return;  // stopped for good
  stopping_ = false;
  connect();
}

void Link::connect() {
  if (stopping_ || connecting_ || connected_) return;
  connecting_ = true;
  if (uses_tls(options_.uri)) TlsTrace::instance().take();  // what an earlier attempt left
  // The state is held weakly: a connect still under way when the link stops is never answered, and
  // its listener is left to Paho (stop()) without keeping the link's state alive.
  auto* listener = new OneShotListener([weak = state_->weak_self, this](const Result<void>& result) {
    const auto state = weak.lock();
    if (!state) return;
    state->post([this, result] {
      connecting_ = false;
      if (result) {
        last_failure_.clear();
        handle_connected();
        return;
      }
      const std::string tls_error = uses_tls(options_.uri) ? TlsTrace::instance().take() : std::string();
      report_connect_failure(describe_connect_failure(result.error().field, tls_error));
      schedule_reconnect();
    });
  });
  call_paho([this, state = state_, listener] {
    try {
      state->client->connect(state->connect_options, nullptr, *listener);
    } catch (const ::mqtt::exception& error) {
      delete listener;
      state->post([this, why = std::string(error.what())] {
        connecting_ = false;
        report_connect_failure("cannot connect to the broker: " + why);
        schedule_reconnect();
      });
    }
  });
}

void Link::report_connect_failure(const std::string& reason) {
  if (reason == last_failure_) return;
  last_failure_ = reason;
  if (on_connect_failed_) on_connect_failed_(reason);
}

void Link::handle_connected() {
  backoff_ = options_.reconnect_min;
  disable_nagle_towards(port_of(options_.uri));
  // The connection may drop between connect and subscribe; the next connect subscribes again.
  for (const auto& [filter, qos] : subscriptions_) subscribe_now(filter, qos);
  if (options_.birth) publish_now(*options_.birth, Qos::kAtLeastOnce, {});
  // A subscription's messages (a retained one at once) may arrive before connected(), and what
  // handling them publishes (a reply, the clearing of a retained message) goes out, not refused.
  established_ = true;
  // Connected once Paho holds the subscriptions and the birth message, so that whoever sees
  // connected() publishes after them; unless the connection was lost meanwhile.
  call_paho([this, state = state_, connection = ++connection_] {
    state->post([this, connection] {
      if (connection != connection_ || stopping_) return;
      connected_ = true;
      if (on_connected_) on_connected_();
    });
  });
}

void Link::schedule_reconnect() {
  if (stopping_) return;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  reconnect_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) connect();
  });
}

void Link::subscribe(const std::vector<std::string>& filters, Qos qos) {
  for (const auto& filter : filters) {
    subscriptions_.emplace_back(filter, qos);
    if (established_) subscribe_now(filter, qos);  // else, or if it fails, on the next connect
  }
}

void Link::subscribe_now(const std::string& filter, Qos qos) {
  call_paho([state = state_, filter, qos] {
    try {
      state->client->subscribe(filter, static_cast<int>(qos));
    } catch (const ::mqtt::exception&) {
      // The connection dropped; the next connect subscribes again.
    }
  });
}

void Link::publish(Message message, Qos qos, Completion done) {
  auto fail = [this, &done](const std::string& why) {
    if (done) boost::asio::post(io_, [done, why] { done(Error{ErrorCode::kUnavailable, "", why}); });
  };
  if (!established_) return fail("not connected to the broker");
  publish_now(std::move(message), qos, std::move(done));
}

void Link::publish_now(Message message, Qos qos, Completion done) {
  auto* listener = new OneShotListener([state = state_, done = std::move(done)](const Result<void>& result) {
    if (done) state->post([done, result] { done(result); });
  });
  call_paho([state = state_, listener, message = std::move(message), qos] {
    try {
      auto paho_message = ::mqtt::make_message(message.topic, message.payload, static_cast<int>(qos), message.retained);
      state->client->publish(paho_message, nullptr, *listener);
    } catch (const ::mqtt::exception& error) {
      // The listener never runs for a publish Paho refused; its completion reports the refusal.
      listener->on_refused(std::string("publish refused: ") + error.what());
    }
  });
}

void Link::stop(std::optional<Message> farewell, std::chrono::milliseconds timeout) {
  if (!state_->client) return;
  stopping_ = true;
  reconnect_timer_.cancel();
  // Calls already handed to Paho finish first; a receive thread waiting for room stops waiting,
  // or a call queued behind it could never take Paho's lock.
  {
    std::lock_guard lock(state_->pending_mutex);
    state_->may_wait = false;
  }
  state_->pending_drained.notify_all();
  paho_calls_->join();
  try {
    if (connected_ && farewell) {
      auto token = state_->client->publish(farewell->topic, farewell->payload.data(), farewell->payload.size(), 1,
                                           farewell->retained);
      token->wait_for(timeout);
    }
    if (state_->client->is_connected()) {
      // The client must have finished disconnecting before it is destroyed below: Paho's threads
      // may otherwise still be at work on it (eclipse-paho/paho.mqtt.c issues 700, 1460, 1669).
      // Paho completes a disconnect at once when nothing it sent awaits an acknowledgement.
      // Otherwise the disconnect waits for those, and Paho notices that they came, or that the
      // wait is over, only at its timeout sweep, which runs at most every 3 s: the hub's stop,
      // whose last audit checkpoint is usually still in flight, waited 2.5 s for the disconnect
      // and then destroyed the client in the middle of it, in 4 stops out of 6. So the
      // acknowledgements are awaited first, then the disconnect completes at once; only a broker
      // that does not answer makes it wait for the sweep.
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      for (const auto& delivery : state_->client->get_pending_delivery_tokens()) {
        try {
          delivery->wait_for(time_left(deadline));
        } catch (const ::mqtt::exception&) {
          // That delivery failed: it awaits nothing any more.
        }
      }
      const auto left = time_left(deadline);
      state_->client->disconnect(static_cast<int>(left.count()))->wait_for(left + kPahoTimeoutSweep);
    }
  } catch (const ::mqtt::exception&) {
    // Already disconnected: nothing left to say goodbye on.
  }
  try {
    state_->client->disable_callbacks();
  } catch (const ::mqtt::exception&) {
    // Paho refuses while a disconnect is still under way; `alive` below silences the callbacks.
  }
  state_->alive = false;
  // A connect still under way (a device stopped while offline) is not waited for, up to its 5 s:
  // Paho cannot disconnect it, and destroys the client in the middle of it safely (link_test.cpp).
  // Its listener, which Paho then never calls, stays allocated: deleting it here could race a Paho
  // thread entering it, and it is one small object per stop (tests/lsan.supp).
  state_->client.reset();
  connected_ = false;
  established_ = false;
}

}  // namespace recount::mqtt
