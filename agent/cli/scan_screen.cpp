// The plain lines and the full screen of `recount-agent scan`.
#include "agent/cli/scan_screen.hpp"

#include <cctype>
#include <filesystem>
#include <ostream>

namespace recount::agent {
namespace {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone: return "ok";
    case Outcome::kWarning: return "warning";
    case Outcome::kRefused: return "refused";
  }
  return "ok";
}

// ANSI colours per outcome: green, black on yellow, white on red.
std::string_view outcome_style(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone: return "\x1b[1;32m";
    case Outcome::kWarning: return "\x1b[1;30;43m";
    case Outcome::kRefused: return "\x1b[1;37;41m";
  }
  return "";
}

}  // namespace

TerminalEcho::TerminalEcho(int fd) : fd_(fd), terminal_(::tcgetattr(fd, &original_) == 0) {}

TerminalEcho::~TerminalEcho() {
  if (terminal_) ::tcsetattr(fd_, TCSANOW, &original_);
}

void TerminalEcho::set(State state) {
  if (!terminal_) return;
  termios settings = original_;
  if (state == State::kHidden) settings.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(fd_, TCSANOW, &settings);
}

std::string source_label(ScanSource source, const std::string& origin) {
  switch (source) {
    case ScanSource::kKeyboard: return "keyboard";
    case ScanSource::kSerial: return "serial:" + origin;
    case ScanSource::kImage: return "camera:" + std::filesystem::path(origin).filename().string();
  }
  return "keyboard";
}

void print_plain(const Feedback& feedback, std::ostream& out, const std::string& source) {
  if (feedback.message.empty()) return;
  if (!source.empty()) out << '[' << source << "] ";
  out << outcome_name(feedback.outcome) << ": " << feedback.message << '\n';
  for (const auto& line : feedback.detail) out << "  " << line << '\n';
  out.flush();
}

void draw_screen(const SessionView& view, const Feedback& feedback, const InputsView& inputs, const std::string& status,
                 const JournalIdentity& identity, std::ostream& out) {
  constexpr std::string_view kBold = "\x1b[1m", kReset = "\x1b[0m", kInverse = "\x1b[7m";
  std::string mode(to_string(view.mode));
  for (auto& c : mode) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << "\x1b[2J\x1b[H";
  out << "recount scan - site " << identity.site << ", device " << identity.device << "\n\n";
  out << "  MODE      " << kInverse << kBold << ' ' << mode << ' ' << kReset
      << (view.task_id.empty()
              ? ""
              : (view.task_kind == protocol::TaskKind::kPlanned ? "   PLANNED COUNT " : "   BLIND RECOUNT ") +
                    view.task_id)
      << '\n';
  out << "  USER      " << kBold << (view.user.empty() ? "-" : view.user) << kReset
      << (view.user_name.empty() ? "" : "  " + view.user_name) << '\n';
  const bool moving = view.mode == WorkMode::kPutaway || view.mode == WorkMode::kMove;
  out << (view.mode == WorkMode::kReceive ? "  DOCK      "
          : moving                        ? "  FROM      "
                                          : "  LOCATION  ")
      << kBold << (view.location.empty() ? "-" : view.location) << kReset << '\n';
  if (moving) out << "  TO        " << kBold << (view.to_location.empty() ? "-" : view.to_location) << kReset << '\n';
  if (view.mode == WorkMode::kReceive) {
    out << "  PO/ASN    " << kBold << (view.reference.empty() ? "-" : view.reference) << kReset << '\n';
  }
  if (view.mode == WorkMode::kAdjust) {
    out << "  REASON    " << kBold << (view.reason.empty() ? "-" : view.reason) << kReset << '\n';
  }
  if (view.last_item) {
    const auto& item = *view.last_item;
    out << "  ITEM      " << kBold << item.sku << kReset << "  " << item.description
        << (item.lot.empty() ? "" : "  lot " + item.lot) << '\n';
    out << "  RUNNING   " << kBold << kInverse << "  " << item.running << "  " << kReset << '\n';
  } else {
    out << "  ITEM      -\n";
  }
  out << "\n";
  if (!feedback.message.empty()) {
    out << "  ";
    if (!inputs.last_source.empty()) out << '[' << inputs.last_source << "] ";
    out << outcome_style(feedback.outcome) << ' ' << feedback.message << ' ' << kReset << '\n';
    for (const auto& line : feedback.detail) out << "    " << line << '\n';
  }
  out << "\n  " << status << "\n";
  if (!inputs.inputs.empty()) {
    out << "  INPUTS";
    for (const auto& input : inputs.inputs) out << "  " << input;
    out << '\n';
  }
  out << '\n';
  out << "  " << kBold << kInverse << "  >>> " << view.prompt << " <<<  " << kReset << "\n  > ";
  out.flush();
}

}  // namespace recount::agent
