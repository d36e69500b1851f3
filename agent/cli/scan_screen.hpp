// What `recount-agent scan` shows: one plain line per input for scripts and pipes, or the full
// screen for a person at a terminal (mode, user, location, item, running count, status line, a big
// prompt), and the terminal's echo, hidden while a PIN is typed.
#pragma once

#include <termios.h>

#include <iosfwd>
#include <string>
#include <vector>

#include "agent/journal/journal.hpp"
#include "agent/scan/scan.hpp"
#include "agent/workflow/scan_session.hpp"

namespace recount::agent {

// The terminal's echo, turned off while a PIN is typed so that it is not shown on the screen, and
// restored when this goes. Does nothing when `fd` is not a terminal.
class TerminalEcho {
 public:
  enum class State { kShown, kHidden };

  // Remembers the settings of `fd` to restore them at destruction.
  explicit TerminalEcho(int fd);
  ~TerminalEcho();
  TerminalEcho(const TerminalEcho&) = delete;
  TerminalEcho& operator=(const TerminalEcho&) = delete;

  void set(State state);

 private:
  int fd_;
  termios original_{};
  bool terminal_;
};

// How a scan's input is named on the screen and in plain lines: "keyboard",
// "serial:/dev/ttyUSB0" (the device path), "camera:frame-0012.png" (the frame's file name).
std::string source_label(ScanSource source, const std::string& origin);

// The scan inputs beside the session: where the last feedback came from, and every input with
// its state ("serial:/dev/ttyUSB0 GONE"), in the order they were given.
struct InputsView {
  std::string last_source;
  std::vector<std::string> inputs;
};

// Plain mode: "ok: …", "warning: …" or "refused: …", after "[SOURCE] " when `source` is given,
// then the detail lines indented by two spaces; nothing for an empty message. Flushes `out`.
void print_plain(const Feedback& feedback, std::ostream& out, const std::string& source = "");

// Clears the terminal and draws the whole screen: the session's view, the last feedback in its
// outcome's colours with its source, the inputs, the sync `status` line and the prompt. Never an
// expected quantity.
void draw_screen(const SessionView& view, const Feedback& feedback, const InputsView& inputs, const std::string& status,
                 const JournalIdentity& identity, std::ostream& out);

}  // namespace recount::agent
