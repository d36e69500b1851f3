// `recount-agent scan`, `unresolved` and `resolve`.
#include "agent/cli/scan_command.hpp"

#include <unistd.h>

#include <ctime>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "agent/cli/scan_screen.hpp"
#include "agent/scan/line_reader.hpp"
#include "agent/workflow/held_scans.hpp"
#include "agent/workflow/scan_session.hpp"

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

std::string clock_time(std::int64_t unix_ms) {
  const std::time_t seconds = unix_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &utc);
  return text;
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
  if (auto unresolved = store.unresolved(CatalogStore::Listing::kWaiting); unresolved && !unresolved->empty()) {
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
      [&](const Result<void>&) {
        refresh.cancel();
        signals.cancel();
      });
  io.run();
  if (!screen) out << "status: " << sync_status_line(stores->journal, stores->store) << std::endl;
  if (screen) out << "\n";
  return 0;
}

int print_unresolved(const DataOptions& data, OutputFormat format, std::ostream& out, std::ostream& err) {
  auto stores = open_stores(data, err);
  if (!stores) return 1;
  auto scans = stores->store.unresolved(CatalogStore::Listing::kAll);
  if (!scans) {
    err << "recount-agent: " << scans.error().describe() << '\n';
    return 1;
  }
  for (const auto& scan : *scans) {
    if (format == OutputFormat::kJson) {
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
  auto run = apply_held_scans(stores->journal, stores->store);
  if (!run) {
    err << "recount-agent: " << run.error().describe() << '\n';
    return 1;
  }
  for (const auto& failed : run->failed) {
    err << "recount-agent: unresolved scan #" << failed.id << " not recorded: " << failed.error.describe() << '\n';
  }
  for (const auto& applied : run->applied) {
    out << "#" << applied.id << " " << applied.barcode << " -> " << applied.sku << ": recorded as seq " << applied.seq
        << '\n';
  }
  out << run->applied.size() << " of " << run->waiting << " unresolved scans resolved\n";
  return run->failed.empty() ? 0 : 1;
}

}  // namespace recount::agent
