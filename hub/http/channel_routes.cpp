// Connected systems' routes: imports, the systems listing, SKU aliases.
#include "hub/http/channel_routes.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "hub/catalog/csv.hpp"
#include "hub/channels/channel_import.hpp"
#include "hub/channels/fba/fba_report.hpp"
#include "hub/channels/pos/pos_journal.hpp"
#include "hub/channels/shopify/shopify_export.hpp"
#include "hub/channels/shopify/variant_key.hpp"
#include "hub/http/catalog_routes.hpp"
#include "shared/core/iso_time.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string query_text(const Request& request, const std::string& name) {
  const auto found = request.query.find(name);
  return found == request.query.end() ? std::string() : found->second;
}

// The system SKU an alias maps: `system_sku` as given, or a Shopify variant without SKU named by
// `handle` and `options` (its variant key); a variant key is normalised as the import builds it.
Result<std::string> system_sku_of(const std::string& system, const Json& body) {
  if (body.contains("handle")) {
    if (system != "shopify") return invalid("handle", "names a Shopify variant; " + system + " has none");
    if (body.contains("system_sku")) return invalid("handle", "give either system_sku or handle, not both");
    if (!body["handle"].is_string()) return invalid("handle", "must be a string");
    std::vector<std::string> options;
    if (body.contains("options")) {
      if (!body["options"].is_array()) return invalid("options", "must be an array of strings");
      for (const auto& value : body["options"]) {
        if (!value.is_string()) return invalid("options", "must be an array of strings");
        options.push_back(value);
      }
    }
    if (options.size() > channels::shopify::kMaxOptions) {
      return invalid("options", "a Shopify variant has at most 3 option values");
    }
    const std::string key = channels::shopify::variant_key(body["handle"].get<std::string>(), options);
    if (!channels::shopify::parse_variant_key(key)) return invalid("handle", "must not be empty");
    return key;
  }
  if (!body.contains("system_sku") || !body["system_sku"].is_string()) {
    return invalid("system_sku", "must be a string (or give handle and options for a Shopify variant)");
  }
  const std::string system_sku = body["system_sku"];
  if (system_sku.empty()) return invalid("system_sku", "must not be empty");
  if (system == "shopify" && system_sku.starts_with(channels::shopify::kVariantKeyPrefix)) {
    const auto variant = channels::shopify::parse_variant_key(system_sku);
    if (!variant) {
      return invalid("system_sku", "'" + system_sku + "' is not a variant key (handle:HANDLE/VALUE…, '/' as %2F)");
    }
    return channels::shopify::variant_key(variant->handle, variant->option_values);
  }
  return system_sku;
}

// The import's parameters; errors name the parameter.
Result<channels::ImportRequest> request_of(const Request& request) {
  channels::ImportRequest import;
  import.site = query_text(request, "site");
  if (auto ok = validate_identifier("site", import.site); !ok) return ok.error();
  if (const std::string as_of = query_text(request, "as_of"); !as_of.empty()) {
    auto parsed = parse_iso8601_ms("as_of", as_of);
    if (!parsed) return parsed.error();
    import.as_of_ms = *parsed;
  }
  import.location = query_text(request, "location");
  if (!import.location.empty()) {
    if (auto ok = validate_code("location", import.location, limits::kMaxCode); !ok) return ok.error();
  }
  if (const std::string map = query_text(request, "locations"); !map.empty()) {
    const Json parsed = Json::parse(map, nullptr, false);
    if (!parsed.is_object()) {
      return invalid("locations", "must be a JSON object of the system's location names to recount locations");
    }
    for (const auto& [name, location] : parsed.items()) {
      if (!location.is_string()) return invalid("locations", "'" + name + "' must map to a location (a string)");
      const auto& text = location.get_ref<const std::string&>();
      if (!text.empty()) {
        if (auto ok = validate_code("locations", text, limits::kMaxCode); !ok) return ok.error();
      }
      import.locations[name] = text;
    }
  }
  import.actor = request.principal ? request.principal->name : std::string();
  return import;
}

Json problems_json(const std::vector<ImportError>& problems) {
  Json list = Json::array();
  for (const auto& each : problems) {
    list.push_back({{"line", each.line}, {"field", each.field}, {"message", each.message}});
  }
  return list;
}

Json unmapped_json(const channels::UnmappedSku& each) {
  return {{"system", each.system},     {"site", each.site},         {"system_sku", each.system_sku},
          {"item_ref", each.item_ref}, {"quantity", each.quantity}, {"last_seen_ms", each.last_seen_ms}};
}

}  // namespace

ReportReaders connector_readers() {
  ReportReaders readers;
  readers["fba"] = [](std::string_view bytes, TextEncoding encoding) {
    return channels::fba::read_fba_report(bytes,
                                          channels::fba::FbaOptions{channels::fba::FbaReportKind::kDetect, encoding});
  };
  readers["shopify"] = [](std::string_view bytes, TextEncoding encoding) {
    return channels::shopify::read_shopify_export(bytes, channels::shopify::ShopifyOptions{encoding});
  };
  readers["pos"] = [](std::string_view bytes, TextEncoding encoding) {
    return channels::pos::read_pos_journal(bytes, channels::pos::PosOptions{encoding});
  };
  return readers;
}

void add_channel_routes(Router& router, HubWriter& writer, Ledger& ledger, CatalogStore& catalog,
                        channels::ChannelStore& channels, reconcile::Queries& queries, ReportReaders readers) {
  router.add(
      "POST", "/api/v1/imports/{system}", auth::Role::kCounterLead,
      [&writer, &ledger, &catalog, &channels, readers = std::move(readers)](const Request& request) {
        const std::string& system = request.params.at("system");
        const auto reader = readers.find(system);
        if (reader == readers.end()) {
          std::string known;
          for (const auto& [name, unused] : readers) known += (known.empty() ? "" : ", ") + name;
          return Response::error(404, "not_found", "no connector for the system '" + system + "' (" + known + ")");
        }
        auto import = request_of(request);
        if (!import) return Response::from(import.error());
        const std::string encoding_text = query_text(request, "encoding");
        const auto encoding =
            encoding_text.empty() ? std::optional(TextEncoding::kAuto) : parse_encoding(encoding_text);
        if (!encoding) {
          return Response::from(
              invalid("encoding", "must be auto, utf-8 or windows-1252; got '" + encoding_text + "'"));
        }
        const channels::Report report = reader->second(request.body_bytes(), *encoding);
        auto outcome =
            channels::import_report(writer, ledger, catalog, channels, report, request.body_bytes(), *import);
        if (!outcome) return Response::from(outcome.error());
        if (!outcome->errors.empty()) return rejected_import(outcome->errors);
        Json unmapped = Json::array();
        for (const auto& each : outcome->unmapped) unmapped.push_back(unmapped_json(each));
        return Response::json(200, {{"system", outcome->system},
                                    {"kind", outcome->kind},
                                    {"site", import->site},
                                    {"as_of_ms", outcome->as_of_ms},
                                    {"rows", outcome->rows},
                                    {"stored", outcome->stored},
                                    {"unchanged", outcome->unchanged},
                                    {"notes", problems_json(outcome->notes)},
                                    {"unmapped", std::move(unmapped)}});
      },
      BodyLimit::kImport);

  router.add("GET", "/api/v1/systems", auth::Role::kViewer, [&queries, &channels](const Request& request) {
    const std::string site = query_text(request, "site");
    if (!site.empty()) {
      if (auto ok = validate_identifier("site", site); !ok) return Response::from(ok.error());
    }
    auto systems = queries.systems(site);
    if (!systems) return Response::from(systems.error());
    auto unmapped = channels.unmapped(site);
    if (!unmapped) return Response::from(unmapped.error());
    Json list = Json::array();
    for (const auto& each : *systems) {
      Json unmapped_skus = Json::array();
      for (const auto& sku : *unmapped) {
        if (sku.system == each.system && sku.site == each.site) unmapped_skus.push_back(sku.system_sku);
      }
      list.push_back(
          {{"system", each.system},
           {"site", each.site},
           {"last_report",
            {{"kind", each.last_kind}, {"as_of_ms", each.last_as_of_ms}, {"received_ms", each.last_received_ms}}},
           {"skus_compared", each.skus},
           {"open_discrepancies", each.open_discrepancies},
           {"unmapped_skus", std::move(unmapped_skus)}});
    }
    Json all_unmapped = Json::array();
    for (const auto& each : *unmapped) all_unmapped.push_back(unmapped_json(each));
    return Response::json(200, {{"systems", std::move(list)}, {"unmapped", std::move(all_unmapped)}});
  });

  router.add("POST", "/api/v1/systems/{system}/aliases", auth::Role::kCounterLead,
             [&writer, &channels](const Request& request) {
               const std::string& system = request.params.at("system");
               if (auto ok = validate_identifier("system", system); !ok) return Response::from(ok.error());
               const Json body = Json::parse(request.body, nullptr, false);
               if (!body.is_object() || !body.contains("sku") || !body["sku"].is_string()) {
                 return Response::from(invalid(
                     "body", "must be a JSON object {\"system_sku\", \"sku\"} or {\"handle\", \"options\", \"sku\"}"));
               }
               auto system_sku = system_sku_of(system, body);
               if (!system_sku) return Response::from(system_sku.error());
               const std::string sku = body["sku"];
               if (auto ok = validate_code("sku", sku, limits::kMaxCode); !ok) return Response::from(ok.error());
               const std::string actor = request.principal ? request.principal->name : std::string();
               auto written = writer.write([&](LedgerWrite& write, std::int64_t now_ms) -> Result<reconcile::Effects> {
                 if (auto ok = channels.map_sku(system, *system_sku, sku, actor, now_ms); !ok) return ok.error();
                 const Json detail = {{"system", system}, {"system_sku", *system_sku}, {"sku", sku}, {"actor", actor}};
                 if (auto ok = write.audit("channels.alias", system + "/" + *system_sku, detail.dump()); !ok) {
                   return ok.error();
                 }
                 return reconcile::Effects{};
               });
               if (!written) return Response::from(written.error());
               return Response::json(200, {{"system", system}, {"system_sku", *system_sku}, {"sku", sku}});
             });
}

Result<void> add_system_figures(channels::ChannelStore& channels, const reconcile::DiscrepancyDetail& detail,
                                Json& body) {
  if (!detail.snapshot) return {};
  auto facts = channels.facts(detail.snapshot->event_id);
  if (!facts) return facts.error();
  if (!*facts) return {};
  Json figures = Json::parse((*facts)->details, nullptr, false);
  if (!figures.is_object()) {
    return Error{ErrorCode::kCorrupt, "details",
                 "the figures of snapshot " + detail.snapshot->event_id + " do not read"};
  }
  Json& snapshot = body["snapshot"];
  snapshot["system_sku"] = (*facts)->system_sku;
  snapshot["system_location"] = (*facts)->system_location;
  snapshot["item_ref"] = (*facts)->item_ref;
  snapshot["figures"] = std::move(figures);
  return {};
}

}  // namespace recount::hub
