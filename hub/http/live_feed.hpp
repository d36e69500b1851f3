// The console's live feed (docs/api.md "GET /api/v1/live"): what the hub's write paths publish
// after each commit, fanned out as Server-Sent Events to the streams the HTTP server holds open.
// Publishing is all a writer needs: feed.publish("discrepancy", json).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace recount::hub {

// One open stream, as the HTTP server's connection implements it.
class LiveStream {
 public:
  virtual ~LiveStream() = default;
  // Queues `frame` (SSE text) to send; a stream whose queue is full ends itself. Never blocks.
  virtual void deliver(const std::shared_ptr<const std::string>& frame) = 0;
  // Closes the connection; the stream leaves the feed.
  virtual void end() = 0;
};

struct LiveLimits {
  std::size_t streams = 32;  // open at once; more get 503
  // Bytes queued for one stream that its client has not taken yet; past it the client is
  // dropped (it refetches when it reconnects), so a slow client never holds the hub up.
  std::size_t queued_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds keepalive{15'000};  // a ": keepalive" comment this often
};

// Not thread-safe: publish and the streams run on the io_context's thread.
class LiveFeed {
 public:
  explicit LiveFeed(LiveLimits limits = {}) : limits_(limits) {}

  // Sends event `event` with `json` (one JSON object, as the API shows the thing) to every open
  // stream. Call after the commit that made the change, so a client never sees what could still
  // roll back.
  void publish(std::string_view event, std::string_view json);

  // Adds `stream`, which must leave() before it is destroyed; false when `streams` are open
  // already or the feed is closed.
  bool join(LiveStream& stream);
  void leave(LiveStream& stream);

  bool full() const { return closed_ || streams_.size() >= limits_.streams; }
  std::size_t streams() const { return streams_.size(); }
  const LiveLimits& limits() const { return limits_; }

  // Ends every stream and refuses new ones (hub shutdown). Idempotent.
  void close();

 private:
  void send(const std::shared_ptr<const std::string>& frame);

  LiveLimits limits_;
  std::vector<LiveStream*> streams_;
  bool closed_ = false;
};

// The SSE text of one event: "event: NAME\ndata: LINE\n" per line of `json`, then a blank line.
std::string live_frame(std::string_view event, std::string_view json);

}  // namespace recount::hub
