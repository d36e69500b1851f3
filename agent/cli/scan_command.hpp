// `recount-agent scan`: the floor UI. On a terminal it draws a full screen (mode, user, location,
// item, running count, status line, a big prompt); otherwise it reads stdin line by line and
// answers each line with one plain line, so it can be scripted. On a terminal a PIN asked for by
// `#user BADGE` is typed with the echo off. Serial scanners and a folder of camera frames feed
// the same session beside the keyboard.
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "agent/catalog/catalog_store.hpp"
#include "agent/cli/commands.hpp"
#include "agent/journal/journal.hpp"
#include "agent/scan/folder_watcher.hpp"
#include "agent/scan/line_reader.hpp"
#include "agent/workflow/work_mode.hpp"

namespace recount::agent {

enum class ScreenMode { kDetect, kPlain, kScreen };

struct ScanCommandOptions {
  std::chrono::milliseconds repeat_window{1500};  // duplicate-scan guard
  ScreenMode screen = ScreenMode::kDetect;        // kDetect: a screen when stdin and stdout are terminals
  std::vector<SerialOptions> serial;              // serial scanners (`--serial DEVICE[:BAUD]`)
  std::optional<std::filesystem::path> watch;     // a folder of camera frames (`--watch DIR`)
  std::chrono::milliseconds watch_interval{250};  // how often the folder is looked at
  DecodedFrames decoded_frames = DecodedFrames::kKeep;
  // The limits of each frame's decoder; its program is this process's own executable.
  std::int64_t frame_memory_limit_mib = kDefaultFrameMemoryLimitMib;
  std::chrono::milliseconds frame_time_limit = kDefaultFrameTimeLimit;
  WorkMode mode = WorkMode::kCount;  // the session's first mode (`--mode`; a register: sale)
};

// Reads stdin, every serial scanner and the watched folder, all into one scan session in the
// order their lines arrive. With the keyboard alone it runs until stdin ends; with serial
// scanners or a folder, the end of stdin ends only the keyboard, and SIGINT/SIGTERM end the
// command. Plain mode writes, per input line, one of "ok: …", "warning: …", "refused: …" (then
// detail lines indented by two spaces), after "[SOURCE] " (see source_label) when there is more
// than the keyboard, and a "status: …" line at start and end; the screen always shows the source. A serial scanner
// announces itself with "ok: SCANNER CONNECTED"; when it is lost ("warning: SCANNER GONE: why") or not there at start
// ("warning: SCANNER NOT CONNECTED: why"), its path is retried (0.5 s doubling to 5 s) until "ok: SCANNER BACK". A
// frame that cannot be decoded gives "warning: FRAME NOT READ: why". Returns 0, or 1 when the journal cannot be opened,
// the folder is not a directory, or a serial device that exists cannot be opened as a serial port (not a tty, no
// permission).
int run_scan(const DataOptions& data, const ScanCommandOptions& options, std::ostream& out, std::ostream& err);

// "ONLINE|OFFLINE (why) | N unsynced | last sync HH:MM:SS UTC" from the journal and the link
// state noted by `recount-agent run`, then "| N UNKNOWN BARCODE(S) TO MAP" while unresolved scans
// wait for an operator.
std::string sync_status_line(Journal& journal, CatalogStore& store);

// `unresolved [--json]`: scans the catalog did not know, with their context.
int print_unresolved(const DataOptions& data, OutputFormat format, std::ostream& out, std::ostream& err);

// `resolve`: records the events of unresolved scans whose barcode the catalog now knows, with
// their original user, mode, locations and reference; prints what was recorded.
int resolve_unresolved(const DataOptions& data, std::ostream& out, std::ostream& err);

}  // namespace recount::agent
