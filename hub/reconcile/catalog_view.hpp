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

  // The item's facts, or nullopt for a SKU the catalog of `site` does not know (it is then judged
  // at zero cost, unclassified and without pack sizes).
  virtual std::optional<ItemFacts> item(std::string_view site, std::string_view sku) const = 0;

  // The location's class for tolerance rules, or "" when it has none or is unknown.
  virtual std::string location_class(std::string_view site, std::string_view location) const = 0;
};

// The facts of many items, compactly: 32 bytes an item, its SKU's characters and its pack sizes
// (a map of ItemFacts took ~150 bytes an item). Built by ItemTableBuilder, immutable after.
class ItemTable {
 public:
  // The item's facts, pack sizes ascending; nullopt when the table has no such SKU.
  std::optional<ItemFacts> find(std::string_view sku) const;
  std::size_t size() const { return items_.size(); }

 private:
  friend class ItemTableBuilder;
  struct Item {
    std::int64_t unit_cost_cents;
    std::uint32_t sku_at;  // in skus_
    std::uint32_t sku_size;
    std::uint32_t packs_at;  // in packs_
    std::uint32_t pack_count;
    std::uint32_t item_class;  // in classes_
  };
  std::string_view sku_of(const Item& item) const { return std::string_view(skus_).substr(item.sku_at, item.sku_size); }

  std::string skus_;  // every SKU's characters, one after another
  std::vector<Item> items_;
  std::vector<std::int64_t> packs_;
  std::vector<std::string> classes_;  // each distinct item class once
};

// Not thread-safe.
class ItemTableBuilder {
 public:
  // Adds item `sku`; add_pack() then gives it its pack sizes. Items may come in any order; of a
  // SKU added more than once, the last is kept.
  void add(std::string_view sku, std::int64_t unit_cost_cents, std::string_view item_class);
  // A pack size of the item added last (repeats are kept once). Requires an add() before.
  void add_pack(std::int64_t pack_qty);
  // The table, sorted by SKU; the builder is left empty.
  ItemTable build();

 private:
  ItemTable table_;
  std::map<std::string, std::uint32_t, std::less<>> class_ids_;
};

// A CatalogView over the hub's catalog, held in memory: the items once, since the hub's items are
// every site's (one table; each site's catalog differs only in its locations and users), and each
// site's location classes. Not thread-safe.
class CatalogSnapshot final : public CatalogView {
 public:
  // Replaces every item's facts.
  void put_items(ItemTable items) { items_ = std::move(items); }
  // Replaces the location classes of `site` (location -> class).
  void put_locations(const std::string& site, std::map<std::string, std::string, std::less<>> classes);
  // Both from a catalog as devices get it (tests, benchmarks): its items become every site's, and
  // its locations its site's.
  void put(const protocol::Catalog& catalog);

  // Any site's: the site is not asked, every site has the hub's items.
  std::optional<ItemFacts> item(std::string_view site, std::string_view sku) const override;
  std::string location_class(std::string_view site, std::string_view location) const override;

 private:
  ItemTable items_;
  // Site, then location; transparent comparators let lookups by string_view allocate nothing,
  // since they run once per judged count.
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> location_classes_;
};

}  // namespace recount::hub::reconcile
