// Paho MQTT adapter.
#include "shared/mqtt/link.hpp"

#include <mqtt/async_client.h>

#include <algorithm>
#include <boost/asio/post.hpp>

namespace recount::mqtt {
namespace {

// Paho takes listeners by reference and calls exactly one of these on its own thread. Each
// operation gets its own listener, which deletes itself after that call.
class OneShotListener final : public ::mqtt::iaction_listener {
 public:
  using Handler = std::function<void(Result<void>)>;
  explicit OneShotListener(Handler handler) : handler_(std::move(handler)) {}

  void on_success(const ::mqtt::token&) override { finish({}); }
  void on_failure(const ::mqtt::token& token) override {
    finish(Error{ErrorCode::kUnavailable, "", "MQTT operation failed (code " + std::to_string(token.get_return_code()) + ")"});
  }

 private:
  void finish(Result<void> result) {
    if (handler_) handler_(std::move(result));
    delete this;
  }
  Handler handler_;
};

}  // namespace

// What Paho's threads touch. `alive` turns false in stop(): from then on nothing they post runs.
// Listeners of operations still in flight hold the State, so the last reference may drop on a
// Paho thread; the client itself is therefore destroyed in stop(), on the owner's thread, because
// Paho must never destroy a client from one of its own callbacks.
struct Link::State {
  State(boost::asio::io_context& context, const LinkOptions& options)
      : io(context),
        client(std::make_unique<::mqtt::async_client>(
            options.uri, options.client_id,
            ::mqtt::create_options_builder()
                .mqtt_version(MQTTVERSION_3_1_1)
                .max_buffered_messages(std::max(options.max_inflight * 2, 100))
                .finalize(),
            nullptr)),  // no Paho persistence: the journal is the store (research/sync.md §0.4)
        max_pending(options.max_pending_messages) {}

  // Runs `work` on the io_context unless the link stopped meanwhile.
  template <typename Work>
  void post(Work work) {
    boost::asio::post(io, [self = weak_from_this_, work = std::move(work)]() mutable {
      if (auto state = self.lock(); state && state->alive) work();
    });
  }

  boost::asio::io_context& io;
  std::unique_ptr<::mqtt::async_client> client;
  std::weak_ptr<State> weak_from_this_;
  std::atomic<bool> alive{true};
  std::function<void(Message)> on_message;

  std::mutex pending_mutex;
  std::condition_variable pending_drained;
  std::size_t pending = 0;
  std::size_t max_pending;
  Delivery delivery = Delivery::kFlowing;  // under pending_mutex
};

Link::Link(boost::asio::io_context& io, LinkOptions options)
    : io_(io),
      options_(std::move(options)),
      state_(std::make_shared<State>(io, options_)),
      reconnect_timer_(io),
      backoff_(options_.reconnect_min) {
  state_->weak_from_this_ = state_;
  std::weak_ptr<State> weak = state_;

  state_->client->set_connection_lost_handler([this, weak](const std::string& cause) {
    if (auto state = weak.lock()) {
      state->post([this, cause] {
        connected_ = false;
        if (on_disconnected_) on_disconnected_(cause.empty() ? "connection lost" : cause);
        schedule_reconnect();
      });
    }
  });

  state_->client->set_message_callback([weak](::mqtt::const_message_ptr message) {
    auto state = weak.lock();
    if (!state) return;
    {
      std::unique_lock lock(state->pending_mutex);
      state->pending_drained.wait(lock, [&] {
        return (state->pending < state->max_pending && state->delivery == Delivery::kFlowing) || !state->alive;
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

Link::~Link() { stop(); }

void Link::on_connected(std::function<void()> handler) { on_connected_ = std::move(handler); }
void Link::on_disconnected(std::function<void(const std::string&)> handler) { on_disconnected_ = std::move(handler); }
void Link::on_message(std::function<void(Message)> handler) { state_->on_message = std::move(handler); }

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
  auto builder = ::mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_3_1_1)
                     .clean_session(options_.clean_session)
                     .keep_alive_interval(options_.keep_alive)
                     .connect_timeout(std::chrono::seconds(5))
                     .max_inflight(options_.max_inflight);
  if (options_.will) {
    builder.will(::mqtt::message(options_.will->topic, options_.will->payload, 1, options_.will->retained));
  }
  auto* listener = new OneShotListener([state = state_, this](Result<void> result) {
    state->post([this, result] {
      connecting_ = false;
      if (result) {
        handle_connected();
      } else {
        schedule_reconnect();
      }
    });
  });
  try {
    state_->client->connect(builder.finalize(), nullptr, *listener);
  } catch (const ::mqtt::exception&) {
    delete listener;
    connecting_ = false;
    schedule_reconnect();
  }
}

void Link::handle_connected() {
  connected_ = true;
  backoff_ = options_.reconnect_min;
  for (const auto& [filter, qos] : subscriptions_) {
    try {
      state_->client->subscribe(filter, static_cast<int>(qos));
    } catch (const ::mqtt::exception&) {
      // The connection dropped between connect and subscribe; the next connect re-subscribes.
    }
  }
  if (options_.birth) publish(*options_.birth, Qos::kAtLeastOnce);
  if (on_connected_) on_connected_();
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
    if (!connected_) continue;
    try {
      state_->client->subscribe(filter, static_cast<int>(qos));
    } catch (const ::mqtt::exception&) {
      // Re-subscribed on the next connect.
    }
  }
}

void Link::publish(Message message, Qos qos, Completion done) {
  auto fail = [this, &done](std::string why) {
    if (done) boost::asio::post(io_, [done, why] { done(Error{ErrorCode::kUnavailable, "", why}); });
  };
  if (!connected_) return fail("not connected to the broker");
  auto* listener = new OneShotListener([state = state_, done = std::move(done)](Result<void> result) {
    if (done) state->post([done, result] { done(result); });
  });
  try {
    auto paho_message = ::mqtt::make_message(message.topic, message.payload, static_cast<int>(qos),
                                             message.retained);
    state_->client->publish(paho_message, nullptr, *listener);
  } catch (const ::mqtt::exception& error) {
    delete listener;
    fail(std::string("publish refused: ") + error.what());
  }
}

void Link::stop(std::optional<Message> farewell, std::chrono::milliseconds timeout) {
  if (!state_->client) return;
  stopping_ = true;
  reconnect_timer_.cancel();
  try {
    if (connected_ && farewell) {
      auto token = state_->client->publish(farewell->topic, farewell->payload.data(), farewell->payload.size(), 1,
                                          farewell->retained);
      token->wait_for(timeout);
    }
    // Paho waits up to `timeout` for messages in flight before it disconnects; the token gets a
    // little longer, so the wait does not end just before the disconnect it waits for.
    if (state_->client->is_connected()) {
      state_->client->disconnect(static_cast<int>(timeout.count()))->wait_for(timeout + std::chrono::milliseconds(500));
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
  state_->pending_drained.notify_all();
  state_->client.reset();
  connected_ = false;
}

}  // namespace recount::mqtt
