// What reconciliation needs to know about items and locations (unit cost, classes, pack sizes),
// behind a small interface so the catalog can be stored however its owner chooses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/protocol/messages.hpp"

namespace recount::hub::reconcile {

struct ItemFacts {
  std::int64_t unit_cost_cents = 0;  // gives a variance its value
  std::string item_class;            // for tolerance rules; empty when unclassified
  // Base units one scan of each of the item's barcodes means (1 for an each, 12 for a case of
  // 12). Pack sizes above 1 are what a unit-of-measure mistake multiplies or misses by.
  std::vector<std::int64_t> pack_quantities;

  bool operator==(const ItemFacts&) const = default;
};

// Read-only facts per site. Implementations are called from the reconciler's thread only and
// must answer from memory or a cache: the reconciler calls them once per judged count.
class CatalogView {
 public:
  virtual ~CatalogView() = default;

  // The item's facts, or nullopt for a SKU the site's catalog does not know (it is then judged
  // at zero cost, unclassified and without pack sizes).
  virtual std::optional<ItemFacts> item(std::string_view site, std::string_view sku) const = 0;

  // The location's class for tolerance rules, or "" when it has none or is unknown.
  virtual std::string location_class(std::string_view site, std::string_view location) const = 0;
};

// A CatalogView over the catalogs the hub publishes to devices (protocol::Catalog), one per
// site, held in memory. Not thread-safe.
class CatalogSnapshot final : public CatalogView {
 public:
  // Replaces everything known about catalog.site.
  void put(const protocol::Catalog& catalog);

  std::optional<ItemFacts> item(std::string_view site, std::string_view sku) const override;
  std::string location_class(std::string_view site, std::string_view location) const override;

 private:
  // Site, then SKU or location; transparent comparators let lookups by string_view allocate
  // nothing, since they run once per judged count.
  template <typename Value>
  using BySite = std::map<std::string, std::map<std::string, Value, std::less<>>, std::less<>>;
  template <typename Value>
  static const Value* find(const BySite<Value>& map, std::string_view site, std::string_view name);

  BySite<ItemFacts> items_;
  BySite<std::string> location_classes_;
};

}  // namespace recount::hub::reconcile
