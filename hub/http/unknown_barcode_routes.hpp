// The unknown-barcode routes: GET /api/v1/unknown-barcodes (what the floor could not resolve) and
// POST /api/v1/unknown-barcodes/map (an admin maps one to an item; the catalog is republished).
#pragma once

#include <functional>

#include "hub/catalog/catalog_store.hpp"
#include "hub/http/router.hpp"
#include "hub/unknown/unknown_barcodes.hpp"
#include "shared/core/hlc.hpp"

namespace recount::hub {

// The entry as the API shows it: {"site","barcode","scans","devices","first_seen_ms",
// "last_seen_ms","state","sku","pack_qty","mapped_by","mapped_ms","applied"} (sku, pack_qty,
// mapped_by and mapped_ms null while open).
nlohmann::json unknown_barcode_json(const UnknownBarcode& entry);

// Adds the routes. GET (viewer) takes ?site=S (every site without it) and ?state=open|mapped|all
// (open by default) and answers {"barcodes":[entry…]}. POST map (admin) takes
// {"site","barcode","sku","pack_qty"} (pack_qty 1 when absent), maps the barcode as the token's
// owner at wall() and answers 200 with the entry, then calls `published` (to refresh the
// catalog's readers and republish it) and announces the entry (UnknownBarcodes::announce).
// Refusals name the member: 400 invalid_input (site, barcode, sku, pack_qty), 404 not_found (no
// device of the site reported the barcode), 422 unknown_sku, 409 barcode_taken (another item has
// it). `unknown` and `catalog` must outlive the router; handlers run on the io_context's thread.
void add_unknown_barcode_routes(Router& router, UnknownBarcodes& unknown, CatalogStore& catalog, WallClock wall,
                                std::function<void()> published);

}  // namespace recount::hub
