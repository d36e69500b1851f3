// recountctl alerts.
#include "hub/cli/alerts_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string render_alerts(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : body.value("alerts", Json::array())) {
    rows.push_back({text_of(entry, "id"), text_of(entry, "state"), text_of(entry, "rule"), text_of(entry, "site"),
                    utc_time(entry.value("raised_ms", std::int64_t{0})), text_of(entry, "acked_by"),
                    text_of(entry, "summary")});
  }
  if (rows.empty()) return "no alerts\n";
  return table({"ID", "STATE", "RULE", "SITE", "RAISED", "ACKNOWLEDGED BY", "SUMMARY"}, rows);
}

}  // namespace

CommandOutput alerts_command(const HubEndpoint& hub, OutputFormat format, const std::string& state,
                             const std::string& site) {
  std::string target = "/api/v1/alerts?limit=1000";
  if (!state.empty()) target += "&state=" + percent_encode(state);
  if (!site.empty()) target += "&site=" + percent_encode(site);
  return show(hub, target, format, render_alerts);
}

CommandOutput ack_alert_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id) {
  const std::string target = "/api/v1/alerts/" + std::to_string(id) + "/ack";
  auto body = json_answer(hub, target, http_post(hub, target, "{}", "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, body->dump() + "\n", ""};
  return CommandOutput{0, "alert " + std::to_string(id) + " acknowledged\n", ""};
}

}  // namespace recount::hub
