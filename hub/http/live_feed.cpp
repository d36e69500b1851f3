// Fan-out of published events to the open streams.
#include "hub/http/live_feed.hpp"

#include <algorithm>

namespace recount::hub {

std::string live_frame(std::string_view event, std::string_view json) {
  std::string frame = "event: " + std::string(event) + "\n";
  // Compact JSON has no line breaks; should a text have one, each line is a data: line of its own,
  // which the client joins back with "\n".
  while (true) {
    const auto newline = json.find('\n');
    frame += "data: " + std::string(json.substr(0, newline)) + "\n";
    if (newline == std::string_view::npos) break;
    json.remove_prefix(newline + 1);
  }
  return frame + "\n";
}

void LiveFeed::publish(std::string_view event, std::string_view json) {
  if (streams_.empty()) return;
  send(std::make_shared<const std::string>(live_frame(event, json)));
}

void LiveFeed::send(const std::shared_ptr<const std::string>& frame) {
  // A stream may end (and leave) while it is handed the frame: walk a copy.
  const std::vector<LiveStream*> open = streams_;
  for (LiveStream* stream : open) {
    if (std::find(streams_.begin(), streams_.end(), stream) != streams_.end()) stream->deliver(frame);
  }
}

bool LiveFeed::join(LiveStream& stream) {
  if (full()) return false;
  streams_.push_back(&stream);
  return true;
}

void LiveFeed::leave(LiveStream& stream) { std::erase(streams_, &stream); }

void LiveFeed::close() {
  closed_ = true;
  const std::vector<LiveStream*> open = streams_;
  for (LiveStream* stream : open) stream->end();
  streams_.clear();
}

}  // namespace recount::hub
