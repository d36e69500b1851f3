// Catalog routes.
#include "hub/http/catalog_routes.hpp"

#include "hub/http/mapped_pages.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/protocol/codec.hpp"
#include "shared/protocol/json_document.hpp"
#include "shared/protocol/json_writer.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

Json report_json(const ImportReport& report) {
  Json body;
  if (report.kind == ImportKind::kUsers) {
    body = {{"kind", to_string(report.kind)}, {"rows", report.rows},   {"users", report.users},
            {"removed", report.removed},      {"sites", report.sites}, {"changed_sites", report.changed_sites},
            {"version", report.version}};
  } else {
    body = {{"kind", to_string(report.kind)}, {"rows", report.rows},   {"items", report.items},
            {"barcodes", report.barcodes},    {"sites", report.sites}, {"version", report.version}};
  }
  body["delimiter"] = delimiter_name(report.delimiter);
  body["encoding"] = to_string(report.encoding);
  return body;
}

// The catalog as devices get it (`wire`, its encoding), without "v", embedded as it is but for
// users: operators see whether a user has a PIN, not its hash, as a 4-digit PIN is cheap to find
// from it.
std::string catalog_answer(const std::string& wire) {
  const Result<protocol::JsonDocument> document = protocol::JsonDocument::parse(wire);
  const protocol::JsonValue root = document.value().root();  // the codec's own encoding
  protocol::JsonWriter out(wire.size());
  out.begin_object();
  out.members(root, {"v", "users"});
  if (const auto users = root.find("users")) {
    out.key("users");
    out.begin_array();
    users->for_each_element([&](protocol::JsonValue user) {
      out.begin_object();
      out.members(user, {"pin_hash"});
      out.key("pin");
      out.boolean(user.find("pin_hash").has_value());
      out.end_object();
      return true;
    });
    out.end_array();
  }
  out.end_object();
  return std::move(out).finish();
}

Response import_response(CatalogStore& catalog, ImportKind kind, const Request& request,
                         const std::function<void()>& published) {
  const auto options = import_options(request);
  if (!options) return Response::from(options.error());
  auto report = catalog.import_csv(kind, request.body_bytes(), *options);
  if (!report) return Response::from(report.error());
  if (!report->errors.empty()) return rejected_import(report->errors, report->unlisted_errors);
  if (published) published();
  return Response::json(200, report_json(*report));
}

}  // namespace

Result<TableOptions> import_options(const Request& request) {
  TableOptions options;
  if (const auto delimiter = request.query.find("delimiter"); delimiter != request.query.end()) {
    const auto parsed = parse_delimiter(delimiter->second);
    if (!parsed) {
      return invalid("delimiter", "must be comma, semicolon, tab or detect (got '" + delimiter->second + "')");
    }
    options.delimiter = *parsed;
  }
  if (const auto encoding = request.query.find("encoding"); encoding != request.query.end()) {
    const auto parsed = parse_encoding(encoding->second);
    if (!parsed) return invalid("encoding", "must be utf-8, windows-1252 or auto (got '" + encoding->second + "')");
    options.encoding = *parsed;
  }
  if (const auto& body = request.spooled_body) {
    options.release = [body = body.get()](std::string_view bytes) { release_pages(*body, bytes); };
  }
  return options;
}

Response rejected_import(const std::vector<ImportError>& problems, std::size_t unlisted) {
  Json errors = Json::array();
  for (const auto& error : problems) {
    errors.push_back({{"line", error.line}, {"field", error.field}, {"message", error.message}});
  }
  Json body = {{"error",
                {{"code", "invalid_import"},
                 {"message", "the file was rejected: " + std::to_string(problems.size() + unlisted) + " problem(s)" +
                                 (unlisted > 0 ? " (the first " + std::to_string(problems.size()) + " listed)" : "") +
                                 "; nothing was stored"}}},
               {"errors", std::move(errors)}};
  return Response::json(422, body);
}

void add_catalog_routes(Router& router, CatalogStore& catalog, const std::function<void()>& published) {
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
    return Response::encoded(200, catalog_answer(protocol::encode(*result)));
  });
}

}  // namespace recount::hub
