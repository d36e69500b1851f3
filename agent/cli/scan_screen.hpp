// What `recount-agent scan` shows: one plain line per input for scripts and pipes, or the full
// screen for a person at a terminal (mode, user, location, item, running count, status line, a big
// prompt), and the terminal's echo, hidden while a PIN is typed.
#pragma once

#include <termios.h>

#include <iosfwd>
#include <string>

#include "agent/journal/journal.hpp"
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

// Plain mode: "ok: …", "warning: …" or "refused: …", then the detail lines indented by two
// spaces; nothing for an empty message. Flushes `out`.
void print_plain(const Feedback& feedback, std::ostream& out);

// Clears the terminal and draws the whole screen: the session's view, the last feedback in its
// outcome's colours, the sync `status` line and the prompt. Never an expected quantity.
void draw_screen(const SessionView& view, const Feedback& feedback, const std::string& status,
                 const JournalIdentity& identity, std::ostream& out);

}  // namespace recount::agent
