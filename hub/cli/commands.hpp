// recountctl's commands: each asks the hub's HTTP API (or reads a hub data directory) and renders
// the answer as a table for people or as the API's JSON for programs. Nothing here prints or
// exits, so tests run the commands as functions too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/http/address.hpp"
#include "hub/http/client.hpp"
#include "hub/reconcile/position.hpp"

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

// What the commands are made of, for those in files of their own (hub/cli/*_command.cpp).

// Exit 2 with "recountctl: <message>" on stderr.
CommandOutput failed(const std::string& message);
// The JSON body of a 200 answer to a request for `target`. Errors (kUnavailable) name the hub
// and, for an error answer, its status and the hub's message; or the request's own error.
Result<nlohmann::json> json_answer(const HubEndpoint& hub, const std::string& target, const Result<HttpAnswer>& answer);
// GETs `target`, as json_answer().
Result<nlohmann::json> fetch(const HubEndpoint& hub, const std::string& target);
// Runs a GET and renders it: the body itself for kJson, else `render(body)`.
CommandOutput show(const HubEndpoint& hub, const std::string& target, OutputFormat format,
                   const std::function<std::string(const nlohmann::json&)>& render);
// The member `key` of a hub answer's object; null when absent or when `object` is not an object.
// Renderers read answers through it: a const json's operator[] on a missing key is undefined
// behaviour, and a hub of another version (or anything answering in its place) may omit fields.
const nlohmann::json& member(const nlohmann::json& object, std::string_view key);
// A cell: "-" for what is absent or empty.
std::string text_of(const nlohmann::json& value);
// The cell of an object's member: text_of(member(object, key)).
std::string text_of(const nlohmann::json& object, std::string_view key);
// "1234.56" from cents ("-" when not an integer): people read amounts, not cents.
std::string money_text(const nlohmann::json& cents);
// "2026-11-26T17:46:33.123Z"; "-" for 0, which means "never".
std::string utc_time(std::int64_t unix_ms);
// Columns padded to their widest cell, two spaces apart; the last column is not padded.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// A hub's data directory and, when its ledger is kept in PostgreSQL, that database's URL
// (recountctl --data DIR [--ledger URL], as recount-hub takes them; Ledger::open_hub).
struct HubData {
  std::filesystem::path dir;
  std::string ledger_url;  // empty: the ledger is the file hub.db in `dir`
};

// Every command blocks (at most 10 s for a request to the hub) and is thread-safe.

// GET /api/v1/stats: per device, distinct events stored and the highest contiguous seq.
CommandOutput stats_command(const HubEndpoint& hub, OutputFormat format);

// GET /api/v1/deadletters, the first `limit` letters (of `device` only, unless empty).
CommandOutput dead_letters_command(const HubEndpoint& hub, OutputFormat format, const std::string& device, int limit);

// GET /api/v1/conflicts, the first `limit` conflicts (of `device` only, unless empty): different
// events devices sent at seqs the hub had stored, with who reviewed them.
CommandOutput conflicts_command(const HubEndpoint& hub, OutputFormat format, const std::string& device, int limit);

// GET /api/v1/tasks?state=all: the recount tasks of `site`, or of every site when it is empty.
CommandOutput tasks_command(const HubEndpoint& hub, OutputFormat format, const std::string& site);

// The queue's filters, sort and page as recountctl's options give them (docs/api.md, GET
// /api/v1/discrepancies); empty or absent ones are left out of the request, and the hub checks
// the values.
struct DiscrepancyFilters {
  std::string site;
  std::string state = "open";
  std::string classification;
  std::string reason;
  std::string system;
  std::optional<std::int64_t> min_value_cents;
  std::optional<std::int64_t> max_value_cents;
  std::optional<std::int64_t> min_age_ms;
  std::optional<std::int64_t> max_age_ms;
  std::string sort;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
};

// The request target of GET /api/v1/discrepancies for `filters`, each value percent-encoded.
std::string discrepancies_target(const DiscrepancyFilters& filters);

// GET /api/v1/discrepancies with `filters`; a page (with a limit) ends with a line saying which
// matches it shows of how many.
CommandOutput discrepancies_command(const HubEndpoint& hub, OutputFormat format, const DiscrepancyFilters& filters);

// GET /api/v1/discrepancies/{id}: one discrepancy with every transition (when, who or what, the
// cause and its event), its recount tasks and the counts of its position.
CommandOutput discrepancy_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id);

// GET /api/v1/positions: the first `limit` positions (of `site` and `sku` only, unless empty),
// each with its on-hand and how many movements it has seen.
CommandOutput positions_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                const std::string& sku, int limit);

// GET /api/v1/positions/history: the position's events and counts in event-time order with the
// running balance, then its count groups as judged.
CommandOutput history_command(const HubEndpoint& hub, OutputFormat format, const reconcile::PositionKey& position);

}  // namespace recount::hub
