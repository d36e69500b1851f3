// Catalog routes.
#include "hub/http/catalog_routes.hpp"

#include <optional>
#include <string>

#include "hub/http/listing.hpp"
#include "hub/http/mapped_pages.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
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

// Whether a page of the catalog carries the site's locations and users: the first page does; the
// pages after it carry items only, so a viewer paging through 500,000 items (a warehouse of tens
// of thousands of bins) is sent them once, not on each of 5,000 pages.
enum class SiteLists { kIncluded, kLeftOut };

// A page of the catalog as devices get it (`wire`, its encoding), without "v", embedded as it is
// but for users: operators see whether a user has a PIN, not its hash, as a 4-digit PIN is cheap
// to find from it. `next_after` is the SKU to ask for the next page after, when there may be one.
std::string catalog_answer(const std::string& wire, SiteLists lists, const std::optional<std::string>& next_after) {
  const Result<protocol::JsonDocument> document = protocol::JsonDocument::parse(wire);
  const protocol::JsonValue root = document.value().root();  // the codec's own encoding
  protocol::JsonWriter out(wire.size());
  out.begin_object();
  if (lists == SiteLists::kLeftOut) {
    out.members(root, {"v", "users", "locations"});
  } else {
    out.members(root, {"v", "users"});
  }
  if (const auto users = root.find("users"); users && lists == SiteLists::kIncluded) {
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
  out.key("next_after");
  out.string_or_null(next_after);
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
  // A page of items at a time: a catalog of 500,000 items read and encoded whole took the hub past
  // 300 MiB for one request.
  router.add("GET", "/api/v1/catalog", auth::Role::kViewer, [&catalog](const Request& request) {
    const auto site = request.query.find("site");
    if (site == request.query.end()) return Response::error(400, "invalid_input", "site: the query needs ?site=SITE");
    if (auto ok = validate_identifier("site", site->second); !ok) return Response::from(ok.error());
    const auto after = request.query.find("after");
    const std::string after_sku = after == request.query.end() ? "" : after->second;
    if (auto ok = validate_code("after", after_sku, limits::kMaxCode, Presence::kOptional); !ok) {
      return Response::from(ok.error());
    }
    auto limit = page_limit(request);
    if (!limit) return Response::from(limit.error());
    const auto lists = after_sku.empty() ? SiteLists::kIncluded : SiteLists::kLeftOut;
    protocol::Catalog page;
    if (lists == SiteLists::kIncluded) {
      auto first = catalog.catalog_for(site->second, CatalogItems::kNone);
      if (!first) return Response::from(first.error());
      page = std::move(*first);
    } else {
      auto version = catalog.version();
      if (!version) return Response::from(version.error());
      page.site = site->second;
      page.version = *version;
    }
    auto items = catalog.items_after(after_sku, *limit);
    if (!items) return Response::from(items.error());
    page.items = std::move(*items);
    const std::optional<std::string> next_after =
        page.items.size() == *limit ? std::optional<std::string>(page.items.back().sku) : std::nullopt;
    return Response::encoded(200, catalog_answer(protocol::encode(page), lists, next_after));
  });
}

}  // namespace recount::hub
