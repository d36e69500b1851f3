// recountctl's commands: API calls, tables and verification reports.
#include "hub/cli/commands.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"
#include "hub/http/position_text.hpp"
#include "hub/http/router.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {

using Json = nlohmann::json;

CommandOutput failed(const std::string& message) {
  return CommandOutput{kExitFailed, "", "recountctl: " + message + "\n"};
}

Result<Json> json_answer(const HubEndpoint& hub, const std::string& target, const Result<HttpAnswer>& answer) {
  if (!answer) return answer.error();
  Json body = Json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    const Json& message = member(member(body, "error"), "message");
    return Error{ErrorCode::kUnavailable, "",
                 "the hub at " + hub.to_string() + " answered " + std::to_string(answer->status) + " to " + target +
                     (message.is_string() ? ": " + message.get<std::string>() : "")};
  }
  if (body.is_discarded()) {
    return Error{ErrorCode::kUnavailable, "",
                 "the hub at " + hub.to_string() + " answered " + target + " with no JSON"};
  }
  return body;
}

Result<Json> fetch(const HubEndpoint& hub, const std::string& target) {
  return json_answer(hub, target, http_get(hub, target));
}

const Json& member(const Json& object, std::string_view key) {
  static const Json kAbsent;
  if (!object.is_object()) return kAbsent;
  const auto found = object.find(key);
  return found == object.end() ? kAbsent : *found;
}

std::string text_of(const Json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
  if (value.is_null()) return "-";
  return dump_json(value);
}

std::string text_of(const Json& object, std::string_view key) { return text_of(member(object, key)); }

std::string money_text(const Json& cents) {
  if (!cents.is_number_integer()) return "-";
  const std::int64_t value = cents.get<std::int64_t>();
  const std::string sign = value < 0 ? "-" : "";
  const std::int64_t magnitude = value < 0 ? -value : value;
  return sign + std::to_string(magnitude / 100) + "." + std::to_string(100 + magnitude % 100).substr(1);
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

CommandOutput show(const HubEndpoint& hub, const std::string& target, OutputFormat format,
                   const std::function<std::string(const Json&)>& render) {
  auto body = fetch(hub, target);
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, dump_json(*body) + "\n", ""};
  try {
    return CommandOutput{0, render(*body), ""};
  } catch (const Json::exception& error) {
    // A member of another type than this recountctl knows (a hub of another version, or not a
    // hub): named, where printing half a table would mislead.
    return failed("the hub at " + hub.to_string() + " answered " + target +
                  " in a shape this recountctl cannot read (" + error.what() +
                  "); --json prints the answer as it came");
  }
}

namespace {

std::string render_stats(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& device : body.value("devices", Json::array())) {
    const Json status = device.value("status", Json());
    rows.push_back({text_of(device, "site"), text_of(device, "device"), text_of(device, "epoch"),
                    text_of(device, "events"), text_of(device, "acked_through"), text_of(device, "dead_letters"),
                    text_of(status, "state"), text_of(status, "backlog"),
                    utc_time(device.value("last_seen_ms", std::int64_t{0}))});
  }
  if (rows.empty()) return "no devices have synced yet\n";
  return table({"SITE", "DEVICE", "EPOCH", "EVENTS", "ACKED_THROUGH", "DEAD_LETTERS", "STATE", "BACKLOG", "LAST_SEEN"},
               rows);
}

std::string render_dead_letters(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& letter : body.value("dead_letters", Json::array())) {
    rows.push_back({text_of(letter, "id"), utc_time(letter.value("received_ms", std::int64_t{0})),
                    text_of(letter, "site") + "/" + text_of(letter, "device"), text_of(letter, "seq"),
                    text_of(letter, "field"), text_of(letter, "reason")});
  }
  if (rows.empty()) return "no dead letters\n";
  std::string out = table({"ID", "RECEIVED", "DEVICE", "SEQ", "FIELD", "REASON"}, rows);
  if (!body.value("next_after", Json()).is_null()) out += "(more: raise --limit or use the API's after=)\n";
  return out;
}

std::string render_conflicts(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& conflict : body.value("conflicts", Json::array())) {
    const Json stored = conflict.value("stored", Json::object());
    const Json received = conflict.value("received", Json::object());
    rows.push_back({text_of(conflict, "id"), utc_time(conflict.value("received_ms", std::int64_t{0})),
                    text_of(conflict, "site") + "/" + text_of(conflict, "device"), text_of(conflict, "epoch"),
                    text_of(conflict, "seq"), text_of(stored, "event_id"), text_of(received, "event_id"),
                    conflict.value("reviewed_by", Json()).is_null() ? "-" : text_of(conflict, "reviewed_by")});
  }
  if (rows.empty()) return "no conflicts\n";
  std::string out =
      table({"ID", "RECEIVED", "DEVICE", "EPOCH", "SEQ", "STORED_EVENT", "RECEIVED_EVENT", "REVIEWED_BY"}, rows);
  if (!body.value("next_after", Json()).is_null()) out += "(more: raise --limit or use the API's after=)\n";
  return out;
}

// A listing's target with its limit, and its device when one is named.
Result<std::string> listing_target(const std::string& path, const std::string& device, int limit) {
  std::string target = path + "?limit=" + std::to_string(limit);
  if (device.empty()) return target;
  // Identifiers are letters, digits, '-' and '_': checked, they need no escaping in a URL.
  if (auto valid = validate_identifier("--device", device); !valid) return valid.error();
  return target + "&device=" + device;
}

std::string render_tasks(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& task : body.value("tasks", Json::array())) {
    rows.push_back({text_of(task, "task_id"), text_of(task, "site"), text_of(task, "location"), text_of(task, "sku"),
                    text_of(task, "round"), text_of(task, "exclude_user"), text_of(task, "state"),
                    text_of(task, "acked_device")});
  }
  if (rows.empty()) return "no recount tasks\n";
  return table({"TASK", "SITE", "LOCATION", "SKU", "ROUND", "NOT_BY", "STATE", "ACKED_BY"}, rows);
}

std::string render_discrepancies(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& found : body.value("discrepancies", Json::array())) {
    rows.push_back({text_of(found, "id"),
                    text_of(found, "site") + "/" + text_of(found, "location") + "/" + text_of(found, "sku"),
                    text_of(found, "state"), text_of(found, "expected"), text_of(found, "counted"),
                    text_of(found, "variance"), text_of(found, "round")});
  }
  if (rows.empty()) return "no discrepancies\n";
  return table({"ID", "POSITION", "STATE", "EXPECTED", "COUNTED", "VARIANCE", "ROUND"}, rows);
}

// A position's text form (SITE/LOCATION/SKU[/LOT]) from a JSON object with those members.
std::string position_of(const Json& object) {
  return position_text(
      {object.value("site", ""), object.value("location", ""), object.value("sku", ""), object.value("lot", "")});
}

// "user alice", "device hh-17", "operator ops-1", "system".
std::string actor_of(const Json& actor) {
  const std::string id = actor.value("id", "");
  return actor.value("kind", "") + (id.empty() ? "" : " " + id);
}

std::string count_groups_table(const Json& counts) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& group : counts) {
    rows.push_back({text_of(group, "group_id"), text_of(group, "first_user"), text_of(group, "task_id"),
                    text_of(group, "counted"), text_of(group, "expected"), text_of(group, "variance"),
                    text_of(group, "verdict"), text_of(group, "role"), text_of(group, "discrepancy_id")});
  }
  return table({"GROUP", "COUNTER", "TASK", "COUNTED", "EXPECTED", "VARIANCE", "VERDICT", "ROLE", "DISCREPANCY"}, rows);
}

std::string render_discrepancy(const Json& found) {
  std::string out = "discrepancy " + text_of(found, "id") + "  " + position_of(found) + "  " + text_of(found, "state") +
                    " (" + text_of(found, "classification") + ", resolution " + text_of(found, "resolution") + ")\n";
  out += "expected " + text_of(found, "expected") + ", counted " + text_of(found, "counted") + ", variance " +
         text_of(found, "variance") + ", value " + text_of(found, "value_cents") + " cents, round " +
         text_of(found, "round") + ", first counted by " + text_of(found, "first_user") + "\n";
  if (!found.value("adjust_event_id", "").empty()) {
    out += "adjusted by " + text_of(found, "adjust_qty") + " (" + text_of(found, "adjust_reason") + "), value " +
           text_of(found, "adjust_value_cents") + " cents, event " + text_of(found, "adjust_event_id") + "\n";
  }
  if (const Json snapshot = found.value("snapshot", Json()); snapshot.is_object()) {
    out += text_of(found, "system") + " reported " + text_of(snapshot, "reported") + " as of " +
           utc_time(snapshot.value("as_of_ms", std::int64_t{0})) + " (" + text_of(snapshot, "kind") +
           "), the ledger then held " + text_of(snapshot, "expected_at_as_of") + "\n";
    if (snapshot.contains("system_sku")) {
      out += "  as " + text_of(snapshot, "system_sku") + " at '" + text_of(snapshot, "system_location") + "'\n";
    }
    // The report's other figures, shown and never compared.
    const Json figures = snapshot.value("figures", Json::object());
    if (!figures.empty()) {
      std::string line;
      for (const auto& [name, value] : figures.items())
        line += (line.empty() ? "" : ", ") + name + " " + text_of(value);
      out += "  also reported: " + line + "\n";
    }
  }
  if (found.contains("proposal")) out += "proposed action with the system: " + text_of(found, "proposal") + "\n";
  for (const Json& claim : found.value("claims", Json::array())) {
    out += "claim " + text_of(claim, "case_id") + " " + text_of(claim, "state") + " by " + text_of(claim, "actor") +
           " at " + utc_time(claim.value("at_ms", std::int64_t{0})) +
           (claim.value("note", "").empty() ? "" : ": " + text_of(claim, "note")) + "\n";
  }
  std::vector<std::vector<std::string>> transitions;
  for (const Json& transition : found.value("transitions", Json::array())) {
    transitions.push_back({utc_time(transition.value("at_ms", std::int64_t{0})), text_of(transition, "from"),
                           text_of(transition, "to"), actor_of(transition.value("actor", Json::object())),
                           text_of(transition, "cause"), text_of(transition, "cause_event_id")});
  }
  out += "\n" + table({"AT", "FROM", "TO", "BY", "CAUSE", "EVENT"}, transitions);
  std::vector<std::vector<std::string>> tasks;
  for (const Json& task : found.value("tasks", Json::array())) {
    tasks.push_back({text_of(task, "task_id"), text_of(task, "round"), text_of(task, "exclude_user"),
                     text_of(task, "state"), text_of(task, "acked_device"),
                     utc_time(task.value("created_ms", std::int64_t{0}))});
  }
  if (!tasks.empty()) out += "\n" + table({"TASK", "ROUND", "NOT_BY", "STATE", "ACKED_BY", "CREATED"}, tasks);
  const Json counts = found.value("counts", Json::array());
  if (!counts.empty()) out += "\n" + count_groups_table(counts);
  return out;
}

std::string render_positions(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& position : body.value("positions", Json::array())) {
    rows.push_back({position_of(position), text_of(position, "on_hand"), text_of(position, "movements")});
  }
  if (rows.empty()) return "no positions\n";
  std::string out = table({"POSITION", "ON_HAND", "MOVEMENTS"}, rows);
  if (!body.value("next_after", Json()).is_null()) out += "(more: raise --limit or use the API's after=)\n";
  return out;
}

std::string render_history(const Json& body) {
  std::string out = position_of(body) + "  on hand " + text_of(body, "on_hand") + "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const Json& entry : body.value("entries", Json::array())) {
    rows.push_back({utc_time(entry.value("wall_ms", std::int64_t{0})), text_of(entry, "type"), text_of(entry, "qty"),
                    text_of(entry, "delta"), text_of(entry, "balance"), text_of(entry, "device"),
                    text_of(entry, "user"), text_of(entry, "reason"), text_of(entry, "session"),
                    text_of(entry, "task_id")});
  }
  out += table({"TIME", "TYPE", "QTY", "DELTA", "BALANCE", "DEVICE", "USER", "REASON", "SESSION", "TASK"}, rows);
  const Json counts = body.value("counts", Json::array());
  if (!counts.empty()) out += "\n" + count_groups_table(counts);
  return out;
}

}  // namespace

CommandOutput stats_command(const HubEndpoint& hub, OutputFormat format) {
  return show(hub, "/api/v1/stats", format, render_stats);
}

CommandOutput dead_letters_command(const HubEndpoint& hub, OutputFormat format, const std::string& device, int limit) {
  auto target = listing_target("/api/v1/deadletters", device, limit);
  if (!target) return failed(target.error().describe());
  return show(hub, *target, format, render_dead_letters);
}

CommandOutput conflicts_command(const HubEndpoint& hub, OutputFormat format, const std::string& device, int limit) {
  auto target = listing_target("/api/v1/conflicts", device, limit);
  if (!target) return failed(target.error().describe());
  return show(hub, *target, format, render_conflicts);
}

CommandOutput tasks_command(const HubEndpoint& hub, OutputFormat format, const std::string& site) {
  std::string target = "/api/v1/tasks?state=all";
  if (!site.empty()) {
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    target += "&site=" + site;
  }
  return show(hub, target, format, render_tasks);
}

std::string discrepancies_target(const DiscrepancyFilters& filters) {
  std::string query;
  const auto add = [&query](const char* name, const std::string& value) {
    if (!value.empty()) query += (query.empty() ? "?" : "&") + std::string(name) + "=" + percent_encode(value);
  };
  const auto add_number = [&add](const char* name, const std::optional<std::int64_t>& value) {
    if (value) add(name, std::to_string(*value));
  };
  add("state", filters.state);
  add("site", filters.site);
  add("classification", filters.classification);
  add("reason", filters.reason);
  add("system", filters.system);
  add_number("min_value_cents", filters.min_value_cents);
  add_number("max_value_cents", filters.max_value_cents);
  add_number("min_age_ms", filters.min_age_ms);
  add_number("max_age_ms", filters.max_age_ms);
  add("sort", filters.sort);
  add_number("limit", filters.limit);
  add_number("offset", filters.offset);
  return "/api/v1/discrepancies" + query;
}

CommandOutput discrepancies_command(const HubEndpoint& hub, OutputFormat format, const DiscrepancyFilters& filters) {
  return show(hub, discrepancies_target(filters), format, [](const Json& body) {
    std::string out = render_discrepancies(body);
    const auto shown = static_cast<std::int64_t>(body.value("discrepancies", Json::array()).size());
    if (member(body, "limit").is_null() || shown == 0) return out;
    const std::int64_t first = body.value("offset", std::int64_t{0}) + 1;
    return out + std::to_string(first) + "-" + std::to_string(first + shown - 1) + " of " +
           std::to_string(body.value("total", std::int64_t{0})) + "\n";
  });
}

CommandOutput discrepancy_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id) {
  return show(hub, "/api/v1/discrepancies/" + std::to_string(id), format, render_discrepancy);
}

CommandOutput positions_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                const std::string& sku, int limit) {
  std::string target = "/api/v1/positions?limit=" + std::to_string(limit);
  if (!site.empty()) {
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    target += "&site=" + site;
  }
  if (!sku.empty()) target += "&sku=" + percent_encode(sku);
  return show(hub, target, format, render_positions);
}

CommandOutput history_command(const HubEndpoint& hub, OutputFormat format, const reconcile::PositionKey& position) {
  std::string target = "/api/v1/positions/history?site=" + percent_encode(position.site) +
                       "&location=" + percent_encode(position.location) + "&sku=" + percent_encode(position.sku);
  if (!position.lot.empty()) target += "&lot=" + percent_encode(position.lot);
  return show(hub, target, format, render_history);
}

}  // namespace recount::hub
