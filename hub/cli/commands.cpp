// recountctl's commands: API calls, tables and verification reports.
#include "hub/cli/commands.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "hub/http/client.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/audit_log.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {

using Json = nlohmann::json;

CommandOutput failed(const std::string& message) { return CommandOutput{kExitFailed, "", "recountctl: " + message + "\n"}; }

Result<Json> json_answer(const HostPort& hub, const std::string& target, const Result<HttpAnswer>& answer) {
  if (!answer) return answer.error();
  Json body = Json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    const bool explained = body.is_object() && body.contains("error") && body["error"].is_object() &&
                           body["error"].value("message", Json()).is_string();
    return Error{ErrorCode::kUnavailable, "",
                 "the hub at " + hub.to_string() + " answered " + std::to_string(answer->status) + " to " + target +
                     (explained ? ": " + body["error"]["message"].get<std::string>() : "")};
  }
  if (body.is_discarded()) {
    return Error{ErrorCode::kUnavailable, "", "the hub at " + hub.to_string() + " answered " + target + " with no JSON"};
  }
  return body;
}

Result<Json> fetch(const HostPort& hub, const std::string& target) {
  return json_answer(hub, target, http_get(hub, target));
}

std::string text_of(const Json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
  if (value.is_null()) return "-";
  return dump_json(value);
}

std::string utc_time(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  tm parts{};
  gmtime_r(&seconds, &parts);
  std::array<char, 32> text{};
  const auto length = strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &parts);
  const auto millis = std::to_string(1000 + unix_ms % 1000).substr(1);
  return std::string(text.data(), length) + "." + millis + "Z";
}

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t column = 0; column < header.size(); ++column) {
    widths[column] = header[column].size();
    for (const auto& row : rows) widths[column] = std::max(widths[column], row[column].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t column = 0; column < cells.size(); ++column) {
      out += cells[column];
      if (column + 1 < cells.size()) out += std::string(widths[column] - cells[column].size() + 2, ' ');
    }
    out += '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

CommandOutput show(const HostPort& hub, const std::string& target, OutputFormat format,
                   const std::function<std::string(const Json&)>& render) {
  auto body = fetch(hub, target);
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  return CommandOutput{0, render(*body), ""};
}

namespace {

std::string render_stats(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& device : body.value("devices", Json::array())) {
    const Json status = device.value("status", Json());
    rows.push_back({text_of(device["site"]), text_of(device["device"]), text_of(device["epoch"]),
                    text_of(device["events"]), text_of(device["acked_through"]), text_of(device["dead_letters"]),
                    status.is_object() ? text_of(status["state"]) : "-",
                    status.is_object() ? text_of(status["backlog"]) : "-",
                    utc_time(device.value("last_seen_ms", std::int64_t{0}))});
  }
  if (rows.empty()) return "no devices have synced yet\n";
  return table({"SITE", "DEVICE", "EPOCH", "EVENTS", "ACKED_THROUGH", "DEAD_LETTERS", "STATE", "BACKLOG", "LAST_SEEN"},
               rows);
}

std::string render_dead_letters(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& letter : body.value("dead_letters", Json::array())) {
    rows.push_back({text_of(letter["id"]), utc_time(letter.value("received_ms", std::int64_t{0})),
                    text_of(letter["site"]) + "/" + text_of(letter["device"]), text_of(letter["seq"]),
                    text_of(letter["field"]), text_of(letter["reason"])});
  }
  if (rows.empty()) return "no dead letters\n";
  std::string out = table({"ID", "RECEIVED", "DEVICE", "SEQ", "FIELD", "REASON"}, rows);
  if (!body.value("next_after", Json()).is_null()) out += "(more: raise --limit or use the API's after=)\n";
  return out;
}

std::string render_tasks(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& task : body.value("tasks", Json::array())) {
    rows.push_back({text_of(task["task_id"]), text_of(task["site"]), text_of(task["location"]), text_of(task["sku"]),
                    text_of(task["round"]), text_of(task["exclude_user"]), text_of(task["state"]),
                    text_of(task["acked_device"])});
  }
  if (rows.empty()) return "no recount tasks\n";
  return table({"TASK", "SITE", "LOCATION", "SKU", "ROUND", "NOT_BY", "STATE", "ACKED_BY"}, rows);
}

std::string render_discrepancies(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& found : body.value("discrepancies", Json::array())) {
    rows.push_back({text_of(found["id"]), text_of(found["site"]) + "/" + text_of(found["location"]) + "/" +
                                              text_of(found["sku"]),
                    text_of(found["state"]), text_of(found["expected"]), text_of(found["counted"]),
                    text_of(found["variance"]), text_of(found["round"])});
  }
  if (rows.empty()) return "no discrepancies\n";
  return table({"ID", "POSITION", "STATE", "EXPECTED", "COUNTED", "VARIANCE", "ROUND"}, rows);
}

CommandOutput report(const AuditVerification& verification) {
  if (!verification.broken_id) {
    return CommandOutput{0,
                         "audit log intact: " + std::to_string(verification.entries) + " entries" +
                             (verification.entries > 0 ? ", head " + verification.head_hash : "") + "\n",
                         ""};
  }
  return CommandOutput{kExitBroken,
                       "audit log broken at entry " + std::to_string(*verification.broken_id) + ": " +
                           verification.problem + " (" + std::to_string(verification.entries) +
                           " entries before it verify)\n",
                       ""};
}

}  // namespace

CommandOutput stats_command(const HostPort& hub, OutputFormat format) {
  return show(hub, "/api/v1/stats", format, render_stats);
}

CommandOutput dead_letters_command(const HostPort& hub, OutputFormat format, const std::string& device, int limit) {
  std::string target = "/api/v1/deadletters?limit=" + std::to_string(limit);
  if (!device.empty()) {
    // Identifiers are letters, digits, '-' and '_': checked, they need no escaping in a URL.
    if (auto valid = validate_identifier("--device", device); !valid) return failed(valid.error().describe());
    target += "&device=" + device;
  }
  return show(hub, target, format, render_dead_letters);
}

CommandOutput tasks_command(const HostPort& hub, OutputFormat format, const std::string& site) {
  std::string target = "/api/v1/tasks";
  if (!site.empty()) {
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    target += "?site=" + site;
  }
  return show(hub, target, format, render_tasks);
}

CommandOutput discrepancies_command(const HostPort& hub, OutputFormat format, const std::string& state) {
  return show(hub, "/api/v1/discrepancies?state=" + state, format, render_discrepancies);
}

CommandOutput audit_verify_local(const std::filesystem::path& data_dir) {
  const auto file = Ledger::file_in(data_dir);
  auto database = storage::Database::open(file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal,
                                          Ledger::kApplicationId);
  if (!database) return failed(database.error().describe());
  auto log = AuditLog::prepare(*database);
  if (!log) return failed(file.string() + ": " + log.error().describe());
  auto verification = log->verify();
  if (!verification) return failed(file.string() + ": " + verification.error().describe());
  return report(*verification);
}

CommandOutput audit_verify_remote(const HostPort& hub) {
  auto body = fetch(hub, "/api/v1/audit/verify");
  if (!body) return failed(body.error().describe());
  AuditVerification verification;
  verification.entries = body->value("entries", std::uint64_t{0});
  verification.head_hash = body->value("head_hash", "");
  if (const Json broken = body->value("broken_id", Json()); broken.is_number_integer()) {
    verification.broken_id = broken.get<std::int64_t>();
  }
  verification.problem = body->value("problem", "");
  return report(verification);
}

}  // namespace recount::hub
