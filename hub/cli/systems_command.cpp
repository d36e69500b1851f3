// recountctl systems and map-sku.
#include "hub/cli/systems_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string render_systems(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : body.value("systems", Json::array())) {
    const Json last = entry.value("last_report", Json::object());
    const Json unmapped = entry.value("unmapped_skus", Json::array());
    rows.push_back({text_of(entry, "system"), text_of(entry, "site"), text_of(last, "kind"),
                    utc_time(last.value("as_of_ms", std::int64_t{0})),
                    utc_time(last.value("received_ms", std::int64_t{0})), text_of(entry, "skus_compared"),
                    text_of(entry, "open_discrepancies"), std::to_string(unmapped.size())});
  }
  if (rows.empty()) return "no system has reported yet\n";
  std::string text = table({"SYSTEM", "SITE", "LAST REPORT", "AS OF", "RECEIVED", "SKUS", "OPEN", "UNMAPPED"}, rows);
  const Json unmapped = body.value("unmapped", Json::array());
  if (!unmapped.empty()) {
    std::vector<std::vector<std::string>> skus;
    for (const auto& each : unmapped) {
      skus.push_back({text_of(each, "system"), text_of(each, "site"), text_of(each, "system_sku"),
                      text_of(each, "item_ref"), text_of(each, "quantity")});
    }
    text +=
        "\nSKUs to map (recountctl map-sku SYSTEM SYSTEM_SKU SKU; a Shopify key handle:… is a variant without SKU):\n" +
        table({"SYSTEM", "SITE", "SYSTEM SKU", "ITEM", "QTY"}, skus);
  }
  return text;
}

// Posts an alias; the answer names the system SKU the hub mapped (a variant's key).
CommandOutput post_alias(const HubEndpoint& hub, OutputFormat format, const std::string& system, const Json& request) {
  const std::string target = "/api/v1/systems/" + percent_encode(system) + "/aliases";
  auto body = json_answer(hub, target, http_post(hub, target, request.dump(), "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, body->dump() + "\n", ""};
  return CommandOutput{
      0,
      system + " SKU " + text_of(*body, "system_sku") + " is " + text_of(*body, "sku") + " from its next import on\n",
      ""};
}

}  // namespace

CommandOutput systems_command(const HubEndpoint& hub, OutputFormat format, const std::string& site) {
  const std::string target = site.empty() ? "/api/v1/systems" : "/api/v1/systems?site=" + percent_encode(site);
  return show(hub, target, format, render_systems);
}

CommandOutput map_system_sku_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                     const std::string& system_sku, const std::string& sku) {
  return post_alias(hub, format, system, {{"system_sku", system_sku}, {"sku", sku}});
}

CommandOutput map_variant_command(const HubEndpoint& hub, OutputFormat format, const std::string& system,
                                  const std::string& handle, const std::vector<std::string>& options,
                                  const std::string& sku) {
  return post_alias(hub, format, system, {{"handle", handle}, {"options", options}, {"sku", sku}});
}

}  // namespace recount::hub
