// The catalog's HTTP routes (POST /api/v1/import/items, POST /api/v1/import/locations,
// POST /api/v1/import/users, GET /api/v1/catalog?site=S). Publication to devices is
// hub/writes/catalog_publisher.hpp's.
#pragma once

#include <functional>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/http/router.hpp"

namespace recount::hub {

// The answer to an import file rejected as a whole (catalog or baselines): 422
// {"error":{"code":"invalid_import","message"},"errors":[{"line","field","message"}…]}, the
// message counting the `unlisted` problems past those listed too.
Response rejected_import(const std::vector<ImportError>& problems, std::size_t unlisted = 0);

// How an import request's file is read: the query parameters `delimiter` (comma, semicolon, tab,
// detect; by default detected) and `encoding` (utf-8, windows-1252, auto; by default utf-8); a
// spooled body's pages are released as the reader goes past them (release_pages), so that
// the hub's memory does not grow with the file. Errors: kInvalidInput naming the parameter and
// what it accepts. The options refer to the request's body: they must not outlive it.
Result<TableOptions> import_options(const Request& request);

// Adds the routes. Imports take import_options() and answer 200
// {"kind","rows","items","barcodes","sites","version","delimiter","encoding"} (users:
// {"kind","rows","users","removed","sites","changed_sites","version","delimiter","encoding"}) and then call `published`
// (to publish the new catalogs), or 422 {"error":{"code":"invalid_import",
// "message"},"errors":[{"line","field","message"}…]} when the file was rejected. GET's users show
// "pin": true|false instead of the PIN hash. `catalog` must
// outlive the router; handlers run on the caller's (the io_context's) thread.
void add_catalog_routes(Router& router, CatalogStore& catalog, const std::function<void()>& published);

}  // namespace recount::hub
