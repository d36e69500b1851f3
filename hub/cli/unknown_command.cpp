// recountctl unknown-barcodes and map-barcode.
#include "hub/cli/unknown_command.hpp"

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"
#include "hub/http/router.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string devices_of(const Json& devices) {
  std::string joined;
  if (!devices.is_array()) return "-";
  for (const auto& device : devices) joined += (joined.empty() ? "" : ",") + text_of(device);
  return joined.empty() ? "-" : joined;
}

std::string render_unknown(const Json& body) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : body.value("barcodes", Json::array())) {
    rows.push_back({text_of(entry, "site"), text_of(entry, "barcode"), text_of(entry, "scans"),
                    devices_of(member(entry, "devices")), utc_time(entry.value("first_seen_ms", std::int64_t{0})),
                    utc_time(entry.value("last_seen_ms", std::int64_t{0})), text_of(entry, "state"),
                    text_of(entry, "sku"), text_of(entry, "pack_qty"), text_of(entry, "applied")});
  }
  if (rows.empty()) return "no unknown barcodes\n";
  return table({"SITE", "BARCODE", "SCANS", "DEVICES", "FIRST SEEN", "LAST SEEN", "STATE", "SKU", "PACK", "APPLIED"},
               rows);
}

}  // namespace

CommandOutput unknown_barcodes_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                       const std::string& state) {
  std::string target = "/api/v1/unknown-barcodes?state=" + percent_encode(state);
  if (!site.empty()) {
    if (auto valid = validate_identifier("--site", site); !valid) return failed(valid.error().describe());
    target += "&site=" + site;
  }
  return show(hub, target, format, render_unknown);
}

CommandOutput map_barcode_command(const HubEndpoint& hub, OutputFormat format, const std::string& site,
                                  const std::string& barcode, const std::string& sku, std::int64_t pack_qty) {
  const Json request = {{"site", site}, {"barcode", barcode}, {"sku", sku}, {"pack_qty", pack_qty}};
  const std::string target = "/api/v1/unknown-barcodes/map";
  auto body = json_answer(hub, target, http_post(hub, target, dump_json(request), "application/json"));
  if (!body) return failed(body.error().describe());
  if (format == OutputFormat::kJson) return CommandOutput{0, body->dump() + "\n", ""};
  return CommandOutput{0,
                       text_of(*body, "site") + " " + text_of(*body, "barcode") + " -> " + text_of(*body, "sku") +
                           " (pack of " + text_of(*body, "pack_qty") + "): catalog republished\n",
                       ""};
}

}  // namespace recount::hub
