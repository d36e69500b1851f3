// `recount-agent scan`: the floor UI. On a terminal it draws a full screen (mode, user, location,
// item, running count, status line, a big prompt); otherwise it reads stdin line by line and
// answers each line with one plain line, so it can be scripted. On a terminal a PIN asked for by
// `#user BADGE` is typed with the echo off.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "agent/catalog/catalog_store.hpp"
#include "agent/cli/commands.hpp"
#include "agent/journal/journal.hpp"

namespace recount::agent {

enum class ScreenMode { kDetect, kPlain, kScreen };

struct ScanCommandOptions {
  std::chrono::milliseconds repeat_window{1500};  // duplicate-scan guard
  ScreenMode screen = ScreenMode::kDetect;        // kDetect: a screen when stdin and stdout are terminals
};

// Reads stdin until its end (or SIGINT/SIGTERM). Plain mode writes, per input line, one of
// "ok: …", "warning: …", "refused: …" (then detail lines indented by two spaces), and a
// "status: …" line at start and end. Returns 0, or 1 when the journal cannot be opened.
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
