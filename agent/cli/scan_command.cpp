// `recount-agent scan`, `unresolved` and `resolve`.
#include "agent/cli/scan_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "agent/scan/line_reader.hpp"
#include "agent/workflow/scan_session.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::agent {
namespace {

constexpr std::int64_t kLinkStaleMs = 10'000;  // `run` notes the link every 2 s

struct Stores {
  Journal journal;
  CatalogStore store;
};

std::optional<Stores> open_stores(const DataOptions& data, std::ostream& err) {
  auto journal = Journal::open(data.data_dir, data.site, data.device);
  if (!journal) {
    err << "recount-agent: " << journal.error().describe() << '\n';
    return std::nullopt;
  }
  auto store = CatalogStore::open(data.data_dir);
  if (!store) {
    err << "recount-agent: " << store.error().describe() << '\n';
    return std::nullopt;
  }
  return Stores{std::move(*journal), std::move(*store)};
}

// The terminal's echo, turned off while a PIN is typed so that it is not shown on the screen, and
// restored when this goes. Does nothing when `fd` is not a terminal.
class TerminalEcho {
 public:
  enum class State { kShown, kHidden };

  explicit TerminalEcho(int fd) : fd_(fd), terminal_(::tcgetattr(fd, &original_) == 0) {}
  ~TerminalEcho() {
    if (terminal_) ::tcsetattr(fd_, TCSANOW, &original_);
  }
  TerminalEcho(const TerminalEcho&) = delete;
  TerminalEcho& operator=(const TerminalEcho&) = delete;

  void set(State state) {
    if (!terminal_) return;
    termios settings = original_;
    if (state == State::kHidden) settings.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd_, TCSANOW, &settings);
  }

 private:
  int fd_;
  termios original_{};
  bool terminal_;
};

std::string clock_time(std::int64_t unix_ms) {
  const std::time_t seconds = unix_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &utc);
  return text;
}

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

void print_plain(const Feedback& feedback, std::ostream& out) {
  if (feedback.message.empty()) return;
  out << outcome_name(feedback.outcome) << ": " << feedback.message << '\n';
  for (const auto& line : feedback.detail) out << "  " << line << '\n';
  out.flush();
}

void draw_screen(const SessionView& view, const Feedback& feedback, const std::string& status,
                 const JournalIdentity& identity, std::ostream& out) {
  constexpr std::string_view kBold = "\x1b[1m", kReset = "\x1b[0m", kInverse = "\x1b[7m";
  std::string mode(to_string(view.mode));
  for (auto& c : mode) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << "\x1b[2J\x1b[H";
  out << "recount scan - site " << identity.site << ", device " << identity.device << "\n\n";
  out << "  MODE      " << kInverse << kBold << ' ' << mode << ' ' << kReset
      << (view.task_id.empty() ? "" : "   BLIND RECOUNT " + view.task_id) << '\n';
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
    out << "  " << outcome_style(feedback.outcome) << ' ' << feedback.message << ' ' << kReset << '\n';
    for (const auto& line : feedback.detail) out << "    " << line << '\n';
  }
  out << "\n  " << status << "\n\n";
  out << "  " << kBold << kInverse << "  >>> " << view.prompt << " <<<  " << kReset << "\n  > ";
  out.flush();
}

Event event_for(const UnresolvedScan& scan, const BarcodeMatch& match) {
  Event event;
  event.user = scan.user;
  event.location = scan.location;
  event.to_location = scan.to_location;
  event.sku = match.sku;
  event.lot = scan.lot;
  event.expiry = scan.expiry;
  event.serial = scan.serial;
  event.session = scan.session;
  event.task_id = scan.task_id;
  event.barcode = scan.barcode;
  event.qty = scan.qty * match.pack_qty;
  const auto mode = parse_work_mode(scan.mode).value_or(WorkMode::kCount);
  switch (mode) {
    case WorkMode::kCount: event.type = EventType::kCount; break;
    case WorkMode::kReceive:
      event.type = EventType::kReceive;
      event.reference = scan.reference;
      break;
    case WorkMode::kPutaway: event.type = EventType::kPutaway; break;
    case WorkMode::kMove: event.type = EventType::kMove; break;
    case WorkMode::kAdjust:
      event.type = EventType::kAdjust;
      event.reason = parse_reason_code(scan.reason);
      if (event.reason != ReasonCode::kFound && event.reason != ReasonCode::kReturn) event.qty = -event.qty;
      break;
  }
  return event;
}

}  // namespace

std::string sync_status_line(Journal& journal, CatalogStore& store) {
  std::string line;
  auto link = store.link();
  const auto now = journal.wall_now();
  if (!link || link->noted_ms == 0) {
    line = "OFFLINE (sync not running)";
  } else if (now - link->noted_ms > kLinkStaleMs) {
    line = "OFFLINE (sync stopped)";
  } else {
    line = link->state == LinkState::kOnline ? "ONLINE" : "OFFLINE (no broker)";
  }
  if (auto progress = journal.progress()) {
    line += " | " + std::to_string(progress->backlog()) + " unsynced | last sync " +
            (progress->last_ack_ms == 0 ? std::string("never") : clock_time(progress->last_ack_ms) + " UTC");
  }
  if (auto unresolved = store.unresolved(false); unresolved && !unresolved->empty()) {
    line += " | " + std::to_string(unresolved->size()) + " UNKNOWN BARCODE(S) TO MAP";
  }
  return line;
}

int run_scan(const DataOptions& data, const ScanCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto stores = open_stores(data, err);
  if (!stores) return 1;
  const bool screen = options.screen == ScreenMode::kScreen ||
                      (options.screen == ScreenMode::kDetect && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO));
  ScanSessionOptions session_options;
  session_options.repeat_window = options.repeat_window;
  ScanSession session(stores->journal, stores->store, session_options);

  boost::asio::io_context io;
  auto reader = open_keyboard(io, STDIN_FILENO);
  if (!reader) {
    err << "recount-agent: " << reader.error().describe() << '\n';
    return 1;
  }
  Feedback last;
  TerminalEcho echo(STDIN_FILENO);
  const auto identity = stores->journal.identity();
  auto render = [&] {
    if (screen) draw_screen(session.view(), last, sync_status_line(stores->journal, stores->store), identity, out);
  };
  boost::asio::steady_timer refresh(io);
  std::function<void()> tick = [&] {
    render();
    refresh.expires_after(std::chrono::seconds(2));
    refresh.async_wait([&](const boost::system::error_code& error) {
      if (!error) tick();
    });
  };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    (*reader)->stop();
    io.stop();
  });
  if (screen) {
    tick();
  } else {
    out << "status: " << sync_status_line(stores->journal, stores->store) << std::endl;
  }
  (*reader)->start(
      [&](Result<Scan> scan) {
        if (!scan) {
          last = Feedback{Outcome::kRefused, "SCAN AGAIN: " + scan.error().describe(), {}};
        } else {
          last = session.handle(scan->text);
        }
        if (screen) {
          echo.set(session.view().pin_badge.empty() ? TerminalEcho::State::kShown : TerminalEcho::State::kHidden);
        }
        if (screen) {
          render();
        } else {
          print_plain(last, out);
        }
      },
      [&](Result<void>) {
        refresh.cancel();
        signals.cancel();
      });
  io.run();
  if (!screen) out << "status: " << sync_status_line(stores->journal, stores->store) << std::endl;
  if (screen) out << "\n";
  return 0;
}

int print_unresolved(const DataOptions& data, bool json, std::ostream& out, std::ostream& err) {
  auto stores = open_stores(data, err);
  if (!stores) return 1;
  auto scans = stores->store.unresolved(true);
  if (!scans) {
    err << "recount-agent: " << scans.error().describe() << '\n';
    return 1;
  }
  for (const auto& scan : *scans) {
    if (json) {
      out << nlohmann::json{{"id", scan.id},           {"wall_ms", scan.wall_ms},
                            {"barcode", scan.barcode}, {"mode", scan.mode},
                            {"user", scan.user},       {"location", scan.location},
                            {"to", scan.to_location},  {"ref", scan.reference},
                            {"reason", scan.reason},   {"session", scan.session},
                            {"task_id", scan.task_id}, {"lot", scan.lot},
                            {"expiry", scan.expiry},   {"serial", scan.serial},
                            {"qty", scan.qty},         {"resolved_seq", scan.resolved_seq}}
                 .dump()
          << '\n';
    } else {
      out << '#' << scan.id << ' ' << clock_time(scan.wall_ms) << ' ' << scan.barcode << ' ' << scan.mode << " at "
          << (scan.location.empty() ? "-" : scan.location) << " by " << (scan.user.empty() ? "-" : scan.user)
          << (scan.resolved_seq == 0 ? " unresolved" : " resolved as seq " + std::to_string(scan.resolved_seq)) << '\n';
    }
  }
  return 0;
}

int resolve_unresolved(const DataOptions& data, std::ostream& out, std::ostream& err) {
  auto stores = open_stores(data, err);
  if (!stores) return 1;
  auto scans = stores->store.unresolved(false);
  if (!scans) {
    err << "recount-agent: " << scans.error().describe() << '\n';
    return 1;
  }
  int exit_code = 0;
  std::size_t resolved = 0;
  for (const auto& scan : *scans) {
    // GS1 scans are kept in their bracketed form; the catalog knows their GTIN.
    std::string key = scan.barcode;
    if (key.starts_with("(")) {
      if (auto parsed = gs1::parse(key)) key = parsed->gtin().value_or(parsed->content_gtin().value_or(key));
    }
    auto match = stores->store.find_barcode(key);
    if (!match) {
      err << "recount-agent: " << match.error().describe() << '\n';
      return 1;
    }
    if (!*match) continue;
    auto recorded = stores->journal.record(event_for(scan, **match));
    if (!recorded) {
      err << "recount-agent: unresolved scan #" << scan.id << " not recorded: " << recorded.error().describe() << '\n';
      exit_code = 1;
      continue;
    }
    if (auto ok = stores->store.mark_resolved(scan.id, recorded->seq); !ok) {
      err << "recount-agent: " << ok.error().describe() << '\n';
      return 1;
    }
    ++resolved;
    out << "#" << scan.id << " " << scan.barcode << " -> " << (*match)->sku << ": recorded as seq " << recorded->seq
        << '\n';
  }
  out << resolved << " of " << scans->size() << " unresolved scans resolved\n";
  return exit_code;
}

}  // namespace recount::agent
