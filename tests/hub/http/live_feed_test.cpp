// The live feed without a server: frames, fan-out, the limit of streams and closing.
#include "hub/http/live_feed.hpp"

#include <doctest/doctest.h>

namespace recount::hub {
namespace {

// A stream that keeps what it is sent.
struct Recorder : LiveStream {
  explicit Recorder(LiveFeed& joined) : feed(joined) {}
  void deliver(const std::shared_ptr<const std::string>& frame) override { frames.push_back(*frame); }
  void end() override {
    ended = true;
    feed.leave(*this);
  }
  LiveFeed& feed;
  std::vector<std::string> frames;
  bool ended = false;
};

TEST_CASE("an event is framed as SSE: its name, one data line per line of its JSON, a blank line") {
  CHECK(live_frame("task", R"({"a":1})") == "event: task\ndata: {\"a\":1}\n\n");
  CHECK(live_frame("x", "{\n1}") == "event: x\ndata: {\ndata: 1}\n\n");
}

TEST_CASE("every open stream gets each event, a full feed refuses more, close ends them all") {
  LiveFeed feed(LiveLimits{2, 1024, std::chrono::milliseconds(1000)});
  Recorder first(feed), second(feed), third(feed);
  CHECK(feed.join(first));
  CHECK(feed.join(second));
  CHECK(feed.full());
  CHECK_FALSE(feed.join(third));
  feed.publish("discrepancy", R"({"id":1})");
  CHECK(first.frames == std::vector<std::string>{"event: discrepancy\ndata: {\"id\":1}\n\n"});
  CHECK(second.frames == first.frames);
  CHECK(third.frames.empty());
  feed.leave(first);
  feed.publish("task", "{}");
  CHECK(first.frames.size() == 1);
  CHECK(second.frames.size() == 2);
  feed.close();
  CHECK(second.ended);
  CHECK(feed.streams() == 0);
  CHECK_FALSE(feed.join(third));
}

}  // namespace
}  // namespace recount::hub
