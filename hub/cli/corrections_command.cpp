// recountctl corrections.
#include "hub/cli/corrections_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string render_corrections(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : body.value("corrections", Json::array())) {
    rows.push_back({text_of(entry, "id"), text_of(entry, "system"), text_of(entry, "site"), text_of(entry, "location"),
                    text_of(entry, "sku"), text_of(entry, "on_hand"), text_of(entry, "discrepancy"),
                    text_of(entry, "state"), text_of(entry, "attempts"),
                    utc_time(entry.value("created_ms", std::int64_t{0})),
                    utc_time(entry.value("updated_ms", std::int64_t{0})), text_of(entry, "last_error")});
  }
  if (rows.empty()) return "no corrections\n";
  return table({"ID", "SYSTEM", "SITE", "LOCATION", "SKU", "ON HAND", "DISCREPANCY", "STATE", "ATTEMPTS", "CREATED",
                "CHANGED", "LAST ERROR"},
               rows);
}

}  // namespace

CommandOutput corrections_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                  const std::string& state) {
  std::string target = "/api/v1/corrections?limit=1000";
  if (!system.empty()) target += "&system=" + percent_encode(system);
  if (!state.empty()) target += "&state=" + percent_encode(state);
  return show(hub, target, format, render_corrections);
}

CommandOutput retry_correction_command(const HubEndpoint& hub, OutputFormat format, std::int64_t id) {
  const std::string target = "/api/v1/corrections/" + std::to_string(id) + "/retry";
  auto body = json_answer(hub, target, http_post(hub, target, "{}", "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, body->dump() + "\n", ""};
  return CommandOutput{0, "correction " + std::to_string(id) + " queued again\n", ""};
}

}  // namespace recount::hub
