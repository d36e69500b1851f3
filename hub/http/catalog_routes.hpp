// The catalog's HTTP routes (POST /api/v1/import/items, POST /api/v1/import/locations,
// POST /api/v1/import/users, GET /api/v1/catalog?site=S) and its publication to devices: each site's catalog, retained
// at QoS 1 on recount/v1/{site}/catalog.
#pragma once

#include <functional>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/http/router.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"

namespace recount::hub {

// The answer to an import file rejected as a whole (catalog or baselines): 422
// {"error":{"code":"invalid_import","message"},"errors":[{"line","field","message"}…]}.
Response rejected_import(const std::vector<ImportError>& problems);

// Publishes every site's catalog (retained, QoS 1), signed with `signing_key` (devices apply only
// what the hub signed). Not connected: nothing is sent, and the caller publishes again on the
// next connect. A catalog whose signed encoding exceeds the retained catalog limit is not
// published; the problem goes to stderr. Call on the link's io_context.
void publish_catalogs(mqtt::Link& link, CatalogStore& catalog, const crypto::SigningKey& signing_key);

// Adds the routes. Imports answer 200 {"kind","rows","items","barcodes","sites","version"} (users:
// {"kind","rows","users","removed","sites","changed_sites","version"}) and then call `published`
// (to publish the new catalogs), or 422 {"error":{"code":"invalid_import",
// "message"},"errors":[{"line","field","message"}…]} when the file was rejected. GET's users show
// "pin": true|false instead of the PIN hash. `catalog` must
// outlive the router; handlers run on the caller's (the io_context's) thread.
void add_catalog_routes(Router& router, CatalogStore& catalog, std::function<void()> published);

}  // namespace recount::hub
