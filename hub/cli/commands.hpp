// recountctl's commands: each asks the hub's HTTP API (or reads a hub data directory) and renders
// the answer as a table for people or as the API's JSON for programs. Nothing here prints or
// exits, so tests run the commands as functions too.
#pragma once

#include <filesystem>
#include <string>

#include "hub/http/address.hpp"
#include "hub/reconcile/projections.hpp"

namespace recount::hub {

enum class OutputFormat { kTable, kJson };

// What recountctl prints and how it exits: 0 done, 1 the audit log is broken, 2 the command
// failed (hub unreachable, hub answered an error, data directory unreadable).
struct CommandOutput {
  int exit_code = 0;
  std::string out;
  std::string err;
};

inline constexpr int kExitBroken = 1;
inline constexpr int kExitFailed = 2;

// Every command blocks (at most 10 s for a request to the hub) and is thread-safe.

// GET /api/v1/stats: per device, distinct events stored and the highest contiguous seq.
CommandOutput stats_command(const HostPort& hub, OutputFormat format);

// GET /api/v1/deadletters, the first `limit` letters (of `device` only, unless empty).
CommandOutput dead_letters_command(const HostPort& hub, OutputFormat format, const std::string& device,
                                   int limit);

// GET /api/v1/tasks: the recount tasks of `site`, or of every site when it is empty.
CommandOutput tasks_command(const HostPort& hub, OutputFormat format, const std::string& site);

// GET /api/v1/discrepancies: `state` is "open" or "all" (recountctl checks).
CommandOutput discrepancies_command(const HostPort& hub, OutputFormat format, const std::string& state);

// GET /api/v1/discrepancies/{id}: one discrepancy with every transition (when, who or what, the
// cause and its event), its recount tasks and the counts of its position.
CommandOutput discrepancy_command(const HostPort& hub, OutputFormat format, std::int64_t id);

// GET /api/v1/positions: the first `limit` positions (of `site` and `sku` only, unless empty),
// each with its on-hand and how many movements it has seen.
CommandOutput positions_command(const HostPort& hub, OutputFormat format, const std::string& site,
                                const std::string& sku, int limit);

// GET /api/v1/positions/history: the position's events and counts in event-time order with the
// running balance, then its count groups as judged.
CommandOutput history_command(const HostPort& hub, OutputFormat format, const reconcile::PositionKey& position);

// Verifies the audit chain of the hub database in `data_dir` directly, without trusting a hub
// process; read-only, safe while the hub runs.
CommandOutput audit_verify_local(const std::filesystem::path& data_dir);

// The same through GET /api/v1/audit/verify.
CommandOutput audit_verify_remote(const HostPort& hub);

}  // namespace recount::hub
