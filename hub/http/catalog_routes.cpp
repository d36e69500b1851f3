// Catalog routes.
#include "hub/http/catalog_routes.hpp"

#include "shared/domain/identifiers.hpp"
#include "shared/protocol/codec.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json report_json(const ImportReport& report) {
  if (report.kind == ImportKind::kUsers) {
    return {{"kind", to_string(report.kind)}, {"rows", report.rows},   {"users", report.users},
            {"removed", report.removed},      {"sites", report.sites}, {"changed_sites", report.changed_sites},
            {"version", report.version}};
  }
  return {{"kind", to_string(report.kind)}, {"rows", report.rows},   {"items", report.items},
          {"barcodes", report.barcodes},    {"sites", report.sites}, {"version", report.version}};
}

Response import_response(CatalogStore& catalog, ImportKind kind, const Request& request,
                         const std::function<void()>& published) {
  auto report = catalog.import_csv(kind, request.body);
  if (!report) return Response::from(report.error());
  if (!report->errors.empty()) return rejected_import(report->errors);
  if (published) published();
  return Response::json(200, report_json(*report));
}

}  // namespace

Response rejected_import(const std::vector<ImportError>& problems) {
  Json errors = Json::array();
  for (const auto& error : problems) {
    errors.push_back({{"line", error.line}, {"field", error.field}, {"message", error.message}});
  }
  Json body = {
      {"error",
       {{"code", "invalid_import"},
        {"message", "the file was rejected: " + std::to_string(problems.size()) + " problem(s); nothing was stored"}}},
      {"errors", std::move(errors)}};
  return Response::json(422, body);
}

void add_catalog_routes(Router& router, CatalogStore& catalog, std::function<void()> published) {
  router.add(
      "POST", "/api/v1/import/items", auth::Role::kAdmin,
      [&catalog, published](const Request& request) {
        return import_response(catalog, ImportKind::kItems, request, published);
      },
      BodyLimit::kImport);
  router.add(
      "POST", "/api/v1/import/locations", auth::Role::kAdmin,
      [&catalog, published](const Request& request) {
        return import_response(catalog, ImportKind::kLocations, request, published);
      },
      BodyLimit::kImport);
  router.add(
      "POST", "/api/v1/import/users", auth::Role::kAdmin,
      [&catalog, published](const Request& request) {
        return import_response(catalog, ImportKind::kUsers, request, published);
      },
      BodyLimit::kImport);
  router.add("GET", "/api/v1/catalog", auth::Role::kViewer, [&catalog](const Request& request) {
    const auto site = request.query.find("site");
    if (site == request.query.end()) return Response::error(400, "invalid_input", "site: the query needs ?site=SITE");
    if (auto ok = validate_identifier("site", site->second); !ok) return Response::from(ok.error());
    auto result = catalog.catalog_for(site->second);
    if (!result) return Response::from(result.error());
    Json body = Json::parse(protocol::encode(*result), nullptr, false);
    body.erase("v");
    // Operators see whether a user has a PIN, not its hash: a 4-digit PIN is cheap to find from it.
    if (body.contains("users")) {
      for (auto& user : body["users"]) {
        user["pin"] = user.contains("pin_hash");
        user.erase("pin_hash");
      }
    }
    return Response::json(200, body);
  });
}

}  // namespace recount::hub
