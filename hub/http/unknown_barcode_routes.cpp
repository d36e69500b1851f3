// Unknown-barcode routes.
#include "hub/http/unknown_barcode_routes.hpp"

#include <string>
#include <utility>

#include "shared/domain/identifiers.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json or_null(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

// The body of a map request; every member is checked and named when wrong.
Result<BarcodeMapRequest> map_request_of(const std::string& body) {
  const Json json = Json::parse(body, nullptr, false);
  if (!json.is_object()) return invalid("body", R"(must be a JSON object {"site","barcode","sku","pack_qty"})");
  BarcodeMapRequest request;
  const std::pair<const char*, std::string*> texts[] = {
      {"site", &request.site}, {"barcode", &request.barcode}, {"sku", &request.sku}};
  for (const auto& [name, target] : texts) {
    const auto found = json.find(name);
    if (found == json.end() || !found->is_string() || found->get<std::string>().empty()) {
      return invalid(name, "is required: a non-empty string");
    }
    *target = found->get<std::string>();
  }
  if (const auto pack = json.find("pack_qty"); pack != json.end() && !pack->is_null()) {
    if (!pack->is_number_integer() || pack->get<std::int64_t>() < 1) {
      return invalid("pack_qty", "must be a whole number from 1 to 1000000000 (base units one scan means)");
    }
    request.pack_qty = pack->get<std::int64_t>();
  }
  return request;
}

Response map_refusal(const Error& error) {
  if (error.code == ErrorCode::kNotFound && error.field == "sku") {
    return Response::error(422, "unknown_sku", error.describe());
  }
  if (error.code == ErrorCode::kConflict) return Response::error(409, "barcode_taken", error.describe());
  return Response::from(error);
}

}  // namespace

Json unknown_barcode_json(const UnknownBarcode& entry) {
  const bool mapped = entry.state == UnknownState::kMapped;
  return {{"site", entry.site},
          {"barcode", entry.barcode},
          {"scans", entry.scans},
          {"devices", entry.devices},
          {"first_seen_ms", entry.first_seen_ms},
          {"last_seen_ms", entry.last_seen_ms},
          {"state", to_string(entry.state)},
          {"sku", or_null(entry.sku)},
          {"pack_qty", mapped ? Json(entry.pack_qty) : Json(nullptr)},
          {"mapped_by", or_null(entry.mapped_by)},
          {"mapped_ms", mapped ? Json(entry.mapped_ms) : Json(nullptr)},
          {"applied", entry.applied}};
}

void add_unknown_barcode_routes(Router& router, UnknownBarcodes& unknown, CatalogStore& catalog, WallClock wall,
                                std::function<void()> published) {
  router.add("GET", "/api/v1/unknown-barcodes", auth::Role::kViewer, [&unknown](const Request& request) {
    std::string site;
    if (const auto found = request.query.find("site"); found != request.query.end()) {
      if (auto ok = validate_identifier("site", found->second); !ok) return Response::from(ok.error());
      site = found->second;
    }
    auto filter = UnknownFilter::kOpen;
    if (const auto found = request.query.find("state"); found != request.query.end()) {
      const auto parsed = parse_unknown_filter(found->second);
      if (!parsed) {
        return Response::error(400, "invalid_input",
                               "state: must be open, mapped or all (got '" + found->second + "')");
      }
      filter = *parsed;
    }
    auto entries = unknown.list(site, filter);
    if (!entries) return Response::from(entries.error());
    Json barcodes = Json::array();
    for (const auto& entry : *entries) barcodes.push_back(unknown_barcode_json(entry));
    return Response::json(200, {{"barcodes", std::move(barcodes)}});
  });
  router.add("POST", "/api/v1/unknown-barcodes/map", auth::Role::kAdmin,
             [&unknown, &catalog, wall = std::move(wall), published = std::move(published)](const Request& request) {
               auto map_request = map_request_of(request.body);
               if (!map_request) return Response::from(map_request.error());
               auto entry = unknown.map(catalog, *map_request, request.principal->name, wall());
               if (!entry) return map_refusal(entry.error());
               if (published) published();
               unknown.announce({UnknownKey{entry->site, entry->barcode}});
               return Response::json(200, unknown_barcode_json(*entry));
             });
}

}  // namespace recount::hub
