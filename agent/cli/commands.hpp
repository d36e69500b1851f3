// What each `recount-agent` subcommand does; main.cpp only parses arguments and calls these.
// Every function returns the process exit code and writes results to `out`, problems to `err`.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "agent/config/link_settings.hpp"
#include "shared/domain/event.hpp"

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

// `run [--mqtt URI] [--mqtt-ca …] [--retention-days N] [--hub-key FILE]`: runs an AgentDaemon
// (agent/daemon/agent_daemon.hpp) on the data directory until SIGINT/SIGTERM: it stores the link
// settings given (a new URI replaces them all, other options one by one) and syncs with what is
// stored; once an hour (and at start) it deletes acked events older than `retention_days`, never
// anything unacked or rejected. `hub_key_file` (PEM) is stored in the data directory on first use;
// without a hub key the agent still syncs its events but applies no catalog or task list, and says
// so at start on `err`. Exit 1 when the link settings or the key file are unusable or the key
// conflicts with the stored one.
int run_sync(const DataOptions& data, const LinkChanges& link, int retention_days,
             const std::optional<std::filesystem::path>& hub_key_file, std::ostream& out, std::ostream& err);

// `provision --data DIR BUNDLE`: joins the device to a hub with a bundle from `recountctl device
// provision`: creates the journal for the bundle's site and device (or checks that an existing
// one is that device), stores its broker link and the hub's public key. Exit 1 with the reason on
// `err` if the bundle is unreadable or invalid or the data directory belongs to another device.
int provision_device(const std::filesystem::path& data_dir, const std::filesystem::path& bundle_file, std::ostream& out,
                     std::ostream& err);

}  // namespace recount::agent
