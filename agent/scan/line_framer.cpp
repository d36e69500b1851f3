// Scanner line framing.
#include "agent/scan/line_framer.hpp"

namespace recount::agent {

void LineFramer::feed(std::string_view bytes, const LineHandler& on_line) {
  for (const char c : bytes) {
    if (c == '\r' || c == '\n') {
      end_line(on_line);
    } else if (line_.size() < max_line_bytes_) {
      line_ += c;
    } else {
      overflowed_ = true;
    }
  }
}

void LineFramer::finish(const LineHandler& on_line) { end_line(on_line); }

void LineFramer::abandon(const LineHandler& on_line) {
  if (!line_.empty() || overflowed_) {
    on_line(invalid("scan", "incomplete line of " + std::to_string(line_.size()) +
                                " bytes dropped when the input ended: scan again"));
  }
  line_.clear();
  overflowed_ = false;
}

void LineFramer::end_line(const LineHandler& on_line) {
  if (overflowed_) {
    on_line(invalid("scan", "line longer than " + std::to_string(max_line_bytes_) + " bytes dropped"));
  } else if (!line_.empty()) {
    on_line(std::move(line_));
  }
  line_.clear();
  overflowed_ = false;
}

}  // namespace recount::agent
