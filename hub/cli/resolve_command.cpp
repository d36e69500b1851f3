// recountctl resolve.
#include "hub/cli/resolve_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/router.hpp"

namespace recount::hub {

CommandOutput resolve_command(const HubEndpoint& hub, std::int64_t id, const std::string& action,
                              const std::string& reason, OutputFormat format) {
  const nlohmann::json request = {{"action", action}, {"reason", reason}};
  const std::string target = "/api/v1/discrepancies/" + std::to_string(id) + "/resolve";
  auto answer = http_post(hub, target, dump_json(request), "application/json");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    const auto error = body.is_object() ? body.value("error", nlohmann::json::object()) : nlohmann::json::object();
    const auto message = error.is_object() ? error.value("message", answer->body) : answer->body;
    return CommandOutput{kExitFailed, "",
                         "recountctl: the hub refused to resolve discrepancy " + std::to_string(id) + " (" +
                             std::to_string(answer->status) + "): " + message + "\n"};
  }
  if (format == OutputFormat::kJson) return CommandOutput{0, answer->body + "\n", ""};
  const auto discrepancy =
      body.is_object() ? body.value("discrepancy", nlohmann::json::object()) : nlohmann::json::object();
  std::string out = "discrepancy " + std::to_string(id) + ": " + discrepancy.value("state", std::string("?"));
  if (const auto resolution = discrepancy.value("resolution", std::string());
      !resolution.empty() && resolution != "none") {
    out += " (" + resolution + ")";
  }
  if (const auto qty = discrepancy.value("adjust_qty", std::int64_t{0}); qty != 0) {
    out +=
        "; adjusted by " + std::to_string(qty) + " (event " + discrepancy.value("adjust_event_id", std::string()) + ")";
  }
  return CommandOutput{0, out + "\n", ""};
}

}  // namespace recount::hub
