// Barcodes the floor's devices could not resolve (docs/catalog.md §8): the unknown_barcode and
// barcode_applied events devices send are folded, per (site, barcode), into counts, devices and
// times; an operator maps a barcode to an item once, which adds it to the hub catalog. Every
// change to an entry, arrived or mapped, is announced in one place (on_change) for live views.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/catalog/catalog_store.hpp"
#include "hub/ledger/ledger.hpp"
#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"

namespace recount::hub {

enum class UnknownState { kOpen, kMapped };
std::string_view to_string(UnknownState state);

// Which entries a listing shows.
enum class UnknownFilter { kOpen, kMapped, kAll };
// "open", "mapped" or "all"; nullopt otherwise.
std::optional<UnknownFilter> parse_unknown_filter(std::string_view text);

struct UnknownBarcode {
  std::string site;
  std::string barcode;               // the code devices look up: GTINs as GTIN-14, other codes as scanned
  std::int64_t scans = 0;            // held scans the site's devices reported
  std::vector<std::string> devices;  // the devices that reported some, in order
  std::int64_t first_seen_ms = 0;    // device wall time of the first and last report
  std::int64_t last_seen_ms = 0;
  UnknownState state = UnknownState::kOpen;
  std::string sku;            // once mapped
  std::int64_t pack_qty = 0;  // once mapped
  std::string mapped_by;      // the operator's token name
  std::int64_t mapped_ms = 0;
  std::int64_t applied = 0;  // held scans the devices applied (barcode_applied events)
};

// Names the entry that changed, for the listener.
struct UnknownKey {
  std::string site;
  std::string barcode;
  bool operator==(const UnknownKey&) const = default;
};

// An operator's mapping (POST /api/v1/unknown-barcodes/map).
struct BarcodeMapRequest {
  std::string site;
  std::string barcode;  // as the operator typed it; normalised as the items import does
  std::string sku;
  std::int64_t pack_qty = 1;
};

// The store's SQL on one connection, apart from the ledger, so that it is written once for SQLite
// and PostgreSQL (docs/scale-out.md): UnknownBarcodes runs it on the ledger's database. Each
// blocks on the engine; errors are the engine's.

// UnknownBarcodes::record() in the caller's write transaction on `database`.
Result<std::vector<UnknownKey>> record_unknown_barcodes(storage::Connection& database, const std::string& site,
                                                        const std::string& device,
                                                        const std::vector<const Event*>& events);
// UnknownBarcodes::list() and find() on `database`.
Result<std::vector<UnknownBarcode>> list_unknown_barcodes(storage::Connection& database, const std::string& site,
                                                          UnknownFilter filter);
Result<std::optional<UnknownBarcode>> find_unknown_barcode(storage::Connection& database, const std::string& site,
                                                           const std::string& barcode);

// On the ledger's connection, like the catalog: use it on the ledger's thread (the hub's
// io_context). Not thread-safe. Blocks on SQLite.
class UnknownBarcodes {
 public:
  // Creates or migrates the tables (unknown_schema.hpp) on the ledger's database; call it
  // outside any write. `ledger` must outlive the store.
  static Result<UnknownBarcodes> open(Ledger& ledger);

  // Folds a device's newly stored events into the entries, in `write` (so exactly once, with
  // the batch): an unknown_barcode event adds its qty to scans, its device and its wall time; a
  // barcode_applied event adds its qty to applied. Other types are skipped. Returns the entries
  // that changed, each once, for announce() after the commit. Errors: SQLite's.
  Result<std::vector<UnknownKey>> record(LedgerWrite& write, const std::string& site, const std::string& device,
                                         const std::vector<const Event*>& events);

  // The entries of `site` (every site when empty) that `filter` selects, most recently seen first.
  Result<std::vector<UnknownBarcode>> list(const std::string& site, UnknownFilter filter);
  Result<std::optional<UnknownBarcode>> find(const std::string& site, const std::string& barcode);

  // Maps an entry some device of request.site reported to an item, in one ledger write: the
  // barcode is added to the hub catalog (CatalogStore::map_barcode: audited as
  // "catalog.map_barcode" with `actor`, version raised) and the entry marked mapped by `actor` at
  // now_ms. Mapping it again to the same item changes its pack_qty. Returns the entry as stored;
  // the caller republishes the catalog, then announce() tells the listener. Errors (nothing
  // stored): kInvalidInput naming site, barcode or pack_qty; kNotFound naming barcode when no
  // device of the site reported it, or naming sku when the catalog has no such item; kConflict
  // naming barcode when it is mapped, or belongs, to another item.
  Result<UnknownBarcode> map(CatalogStore& catalog, const BarcodeMapRequest& request, const std::string& actor,
                             std::int64_t now_ms);

  // The one place where "an unknown barcode arrived or was mapped" is told: `listener` gets each
  // entry named in `keys`, as stored now. Call after the commit that changed them. Read errors
  // are logged to stderr and skip the entry.
  void on_change(std::function<void(const UnknownBarcode&)> listener) { listener_ = std::move(listener); }
  void announce(const std::vector<UnknownKey>& keys);

 private:
  explicit UnknownBarcodes(Ledger& ledger) : ledger_(&ledger) {}

  Ledger* ledger_;
  std::function<void(const UnknownBarcode&)> listener_;
};

}  // namespace recount::hub
