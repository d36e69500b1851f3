// What each `recount-agent` subcommand does; main.cpp only parses arguments and calls these.
// Every function returns the process exit code and writes results to `out`, problems to `err`.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "agent/config/link_settings.hpp"
#include "agent/config/provisioning.hpp"
#include "shared/domain/event.hpp"
#include "shared/systemd/notify.hpp"

namespace recount::agent {

struct DataOptions {
  std::filesystem::path data_dir;
  std::optional<std::string> site;    // required on first use of data_dir
  std::optional<std::string> device;  // required on first use of data_dir
};

// How a command that lists or reports prints: lines for people, or JSON for scripts (`--json`).
enum class OutputFormat { kText, kJson };

// `record TYPE --location … --sku … --qty …`: appends one event; prints its seq once durable.
int record_one(const DataOptions& data, Event draft, std::ostream& out, std::ostream& err);

// `record --jsonl FILE|-`: appends one event per line (the wire event fields, without seq,
// event_id, wall_ms and hlc, which the journal assigns). Prints one seq per stored line as soon
// as it is durable. An invalid line is reported with its line number and skipped; the exit code is
// then 1, and every valid line is still stored.
int record_jsonl(const DataOptions& data, std::istream& in, std::ostream& out, std::ostream& err);

// `status [--json]`: totals, unsent, unacked, acked, rejected, last seq, last acked seq, and the
// hub messages refused (acks, unsigned or badly signed catalogs and task lists).
int print_status(const DataOptions& data, OutputFormat format, std::ostream& out, std::ostream& err);

// `journal [--json] [--from SEQ] [--limit N]`: the events with their sync state.
int print_journal(const DataOptions& data, OutputFormat format, std::uint64_t from, std::size_t limit,
                  std::ostream& out, std::ostream& err);

struct RunOptions {
  Provisioning flags;  // --site, --device, --mqtt*, --hub-key as given
  int retention_days = 30;
  systemd::TestHang test_hang = systemd::TestHang::kNone;
};

// `run [--mqtt URI] [--mqtt-ca …] [--retention-days N] [--hub-key FILE]`: runs an AgentDaemon
// (agent/daemon/agent_daemon.hpp) on `data_dir` until SIGINT/SIGTERM. Site, device, link and hub
// key come from the flags, else the credentials directory, else the environment
// (resolve_provisioning): the first start creates the journal for that site and device, every
// start stores the link settings given (a new URI replaces them all, other options one by one)
// and syncs with what is stored; once an hour (and at start) it deletes acked events older than
// `retention_days`, never anything unacked or rejected. The hub key is stored in the data
// directory on first use; without one the agent still syncs its events but applies no catalog or
// task list, and says so at start on `err`.
//
// Under systemd ($NOTIFY_SOCKET, shared/systemd/notify.hpp) it sends READY=1 once the journal is
// open and the broker link started (up or retrying), STATUS= as the link and backlog change,
// WATCHDOG=1 from its io_context when the unit has WatchdogSec=, and STOPPING=1 on SIGTERM.
//
// Exit 1 when the sources or the notify variables are unusable, the link settings or the key
// are, the key conflicts with the stored one, or the journal belongs to another site or device
// (the message names the source and both ids).
int run_sync(const std::filesystem::path& data_dir, const RunOptions& options, const Environment& environment,
             std::ostream& out, std::ostream& err);

// `provision --data DIR BUNDLE`: joins the device to a hub with a bundle from `recountctl device
// provision`: creates the journal for the bundle's site and device (or checks that an existing
// one is that device), stores its broker link and the hub's public key. Exit 1 with the reason on
// `err` if the bundle is unreadable or invalid or the data directory belongs to another device.
int provision_device(const std::filesystem::path& data_dir, const std::filesystem::path& bundle_file, std::ostream& out,
                     std::ostream& err);

}  // namespace recount::agent
