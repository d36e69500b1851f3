// The connected systems' routes of the /api/v1 JSON API (docs/api.md, docs/channels.md):
// POST /api/v1/imports/{system}, GET /api/v1/systems, POST /api/v1/systems/{system}/aliases.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "hub/catalog/catalog_store.hpp"
#include "hub/catalog/csv.hpp"
#include "hub/channels/channel_store.hpp"
#include "hub/channels/report.hpp"
#include "hub/http/router.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/queries.hpp"
#include "hub/writes/hub_writer.hpp"

namespace recount::hub {

// How a connector reads a file: its bytes and the import's `encoding` parameter (kAuto when
// absent) in, a Report out (errors in it, never thrown).
using ReportReader = std::function<channels::Report(std::string_view bytes, TextEncoding encoding)>;
// The connectors by system name ("fba", "shopify", "pos").
using ReportReaders = std::map<std::string, ReportReader, std::less<>>;

// The hub's connectors: fba, shopify and pos (hub/channels/*/).
ReportReaders connector_readers();

// Adds the routes. POST /api/v1/imports/{system}?site=S[&as_of=T][&encoding=E][&location=L]
// [&locations=JSON] (role counter-lead: a report changes no figure of the ledger's own but the
// movements a register or Amazon recorded, and what it opens an operator decides): the body is
// the file; 200 with the import's outcome, 422 as rejected_import() with FILE:LINE: COLUMN
// problems, 400 for a bad parameter, 404 for a system without a connector. GET /api/v1/systems
// [?site=S] (viewer): each system per site and the unmapped SKUs. POST
// /api/v1/systems/{system}/aliases (counter-lead) {"system_sku", "sku"}: maps a system's SKU to
// a catalog SKU; a Shopify variant without SKU as {"handle", "options": [values], "sku"} or by its
// variant key (shopify/variant_key.hpp), answered with the key. Handlers run on the caller's (the io_context's) thread;
// every reference must outlive the router.
void add_channel_routes(Router& router, HubWriter& writer, Ledger& ledger, CatalogStore& catalog,
                        channels::ChannelStore& channels, reconcile::Queries& queries, ReportReaders readers);

// Adds to a connected system's discrepancy detail what its report said beyond the compared
// quantity: the detail's `snapshot` gains `system_sku`, `system_location`, `item_ref` and
// `figures` (FBA's fulfillable, unsellable, reserved, inbound-…; Shopify's available,
// committed, …; {} when the file gave none). A detail without a snapshot, or a snapshot stored
// before its figures were kept, is left as it is. Errors: SQLite's, kCorrupt for figures that no
// longer read as a JSON object. Blocks.
Result<void> add_system_figures(channels::ChannelStore& channels, const reconcile::DiscrepancyDetail& detail,
                                nlohmann::json& body);

}  // namespace recount::hub
