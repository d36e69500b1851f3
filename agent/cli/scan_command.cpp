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
#include "agent/scan/serial_scanner.hpp"
#include "agent/workflow/held_scans.hpp"
#include "agent/workflow/scan_session.hpp"
#include "shared/core/iso_time.hpp"

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

// Whether a serial scanner has been seen since the command started, for what its state change says.
enum class ScannerPresence { kStarting, kConnected, kAway };

Feedback presence_feedback(ScannerPresence before, const Result<void>& now) {
  if (now) return Feedback{Outcome::kDone, before == ScannerPresence::kAway ? "SCANNER BACK" : "SCANNER CONNECTED", {}};
  const std::string what = before == ScannerPresence::kStarting ? "SCANNER NOT CONNECTED: " : "SCANNER GONE: ";
  return Feedback{Outcome::kWarning, what + now.error().message + "; retrying until it is back", {}};
}

// What the session reads for a scan. Image decoding reports the symbology identifier apart from
// the data: GS1 symbols need it (their data has no leading GS), other symbols are read as a
// scanner without identifiers sends them, so a camera and a scanner read the same code alike.
std::string session_line(const Scan& scan) {
  static constexpr std::string_view kGs1Identifiers[] = {"]C1", "]d2", "]Q3", "]e0", "]J1"};
  for (const auto identifier : kGs1Identifiers) {
    if (scan.symbology_identifier == identifier) return scan.with_identifier();
  }
  return scan.text;
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
    line +=
        " | " + std::to_string(progress->backlog()) + " unsynced | last sync " +
        (progress->last_ack_ms == 0 ? std::string("never") : format_utc(progress->last_ack_ms, "%H:%M:%S") + " UTC");
  }
  if (auto unresolved = store.unresolved(CatalogStore::Listing::kWaiting); unresolved && !unresolved->empty()) {
    line += " | " + std::to_string(unresolved->size()) + " UNKNOWN BARCODE(S) TO MAP";
  }
  return line;
}

int run_scan(const DataOptions& data, const ScanCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto stores = open_stores(data, err);
  if (!stores) return 1;
  if (options.watch && !std::filesystem::is_directory(*options.watch)) {
    err << "recount-agent: --watch " << options.watch->string() << ": not a directory\n";
    return 1;
  }
  std::filesystem::path frame_decoder;
  if (options.watch) {
    auto program = own_executable();
    if (!program) {
      err << "recount-agent: --watch needs its own program to decode frames: " << program.error().describe() << '\n';
      return 1;
    }
    frame_decoder = std::move(*program);
  }
  const bool screen = options.screen == ScreenMode::kScreen ||
                      (options.screen == ScreenMode::kDetect && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO));
  ScanSessionOptions session_options;
  session_options.repeat_window = options.repeat_window;
  session_options.mode = options.mode;
  ScanSession session(stores->journal, stores->store, session_options);

  boost::asio::io_context io;
  auto keyboard = open_keyboard(io, STDIN_FILENO);
  if (!keyboard) {
    err << "recount-agent: " << keyboard.error().describe() << '\n';
    return 1;
  }
  // Plain lines name their input when there are several; a keyboard-only run keeps the untagged
  // lines that scripts driving it (scripts/simulate.py) read.
  const bool keyboard_only = options.serial.empty() && !options.watch;
  Feedback last;
  InputsView inputs;
  inputs.inputs.emplace_back("keyboard");
  TerminalEcho echo(STDIN_FILENO);
  const auto identity = stores->journal.identity();
  auto render = [&] {
    if (screen)
      draw_screen(session.view(), last, inputs, sync_status_line(stores->journal, stores->store), identity, out);
  };
  // Every input's feedback goes through here, in the order the io_context runs the handlers.
  auto show = [&](Feedback feedback, std::string source) {
    last = std::move(feedback);
    inputs.last_source = std::move(source);
    if (screen) {
      echo.set(session.view().pin_badge.empty() ? TerminalEcho::State::kShown : TerminalEcho::State::kHidden);
      render();
    } else {
      print_plain(last, out, keyboard_only ? "" : inputs.last_source);
    }
  };
  auto handle = [&](Result<Scan> scan) {
    if (!scan) return Feedback{Outcome::kRefused, "SCAN AGAIN: " + scan.error().describe(), {}};
    return session.handle(session_line(*scan));
  };

  boost::asio::steady_timer refresh(io);
  std::function<void()> tick = [&] {
    render();
    refresh.expires_after(std::chrono::seconds(2));
    refresh.async_wait([&](const boost::system::error_code& error) {
      if (!error) tick();
    });
  };
  std::vector<std::shared_ptr<SerialScanner>> scanners;
  std::shared_ptr<FolderWatcher> watcher;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto stop_inputs = [&] {
    (*keyboard)->stop();
    for (auto& scanner : scanners) scanner->stop();
    if (watcher) watcher->stop();
  };
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    stop_inputs();
    io.stop();
  });
  if (screen) {
    tick();
  } else {
    out << "status: " << sync_status_line(stores->journal, stores->store) << std::endl;
  }

  for (const auto& port : options.serial) {
    const auto label = source_label(ScanSource::kSerial, port.device);
    const auto index = inputs.inputs.size();
    inputs.inputs.push_back(label);
    auto scanner = std::make_shared<SerialScanner>(io, SerialScannerOptions{port});
    scanners.push_back(scanner);
    auto state = std::make_shared<ScannerPresence>(ScannerPresence::kStarting);
    const auto started = scanner->start([&, label](Result<Scan> scan) { show(handle(std::move(scan)), label); },
                                        [&, label, index, state](const Result<void>& now) {
                                          inputs.inputs[index] = label + (now ? "" : " GONE");
                                          show(presence_feedback(*state, now), label);
                                          *state = now ? ScannerPresence::kConnected : ScannerPresence::kAway;
                                        });
    std::error_code ignored;
    if (!started && std::filesystem::exists(port.device, ignored)) {
      // There, but not a serial port this process may open: waiting would not change that.
      err << "recount-agent: " << started.error().describe() << '\n';
      stop_inputs();
      return 1;
    }
  }
  if (options.watch) {
    inputs.inputs.push_back("camera:" + options.watch->string());
    watcher = std::make_shared<FolderWatcher>(
        io, FolderWatchOptions{*options.watch,
                               options.watch_interval,
                               ExistingFiles::kSkip,
                               options.decoded_frames,
                               {frame_decoder, options.frame_memory_limit_mib, options.frame_time_limit}});
    watcher->start(
        [&](Scan scan) {
          auto label = source_label(scan.source, scan.origin);
          show(handle(std::move(scan)), std::move(label));
        },
        [&](const Error& problem) {
          show(Feedback{Outcome::kWarning, "FRAME NOT READ: " + problem.message, {}},
               source_label(ScanSource::kImage, problem.field));
        });
  }
  (*keyboard)->start([&](Result<Scan> scan) { show(handle(std::move(scan)), "keyboard"); },
                     [&](const Result<void>&) {
                       // Alone, the keyboard's end is the command's; beside other scanners it ends
                       // only the keyboard (a kiosk's stdin may be /dev/null).
                       if (!keyboard_only) return;
                       refresh.cancel();
                       signals.cancel();
                     });
  io.run();
  stop_inputs();
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
      out << '#' << scan.id << ' ' << format_utc(scan.wall_ms, "%H:%M:%S") << ' ' << scan.barcode << ' ' << scan.mode
          << " at " << (scan.location.empty() ? "-" : scan.location) << " by " << (scan.user.empty() ? "-" : scan.user)
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
