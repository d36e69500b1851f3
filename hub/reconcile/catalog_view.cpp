// CatalogSnapshot: item facts once for every site, location classes per site.
#include "hub/reconcile/catalog_view.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <utility>

namespace recount::hub::reconcile {

namespace {

// Offsets into the table's arrays are 32 bits: ~4 billion SKU characters or pack sizes, far
// beyond any catalog the hub can import (SKUs are at most 64 characters).
std::uint32_t offset(std::size_t at) {
  if (at > std::numeric_limits<std::uint32_t>::max()) {
    std::cerr << "recount-hub: invariant violated: an item table of over 2^32 entries\n";
    std::abort();
  }
  return static_cast<std::uint32_t>(at);
}

}  // namespace

void ItemTableBuilder::add(std::string_view sku, std::int64_t unit_cost_cents, std::string_view item_class) {
  auto known = class_ids_.find(item_class);
  if (known == class_ids_.end()) {
    known = class_ids_.emplace(std::string(item_class), offset(table_.classes_.size())).first;
    table_.classes_.emplace_back(item_class);
  }
  table_.items_.push_back(ItemTable::Item{unit_cost_cents, offset(table_.skus_.size()), offset(sku.size()),
                                          offset(table_.packs_.size()), 0, known->second});
  table_.skus_.append(sku);
}

void ItemTableBuilder::add_pack(std::int64_t pack_qty) {
  table_.packs_.push_back(pack_qty);
  ++table_.items_.back().pack_count;
}

ItemTable ItemTableBuilder::build() {
  ItemTable table = std::exchange(table_, ItemTable());
  class_ids_.clear();
  auto& items = table.items_;
  // Stable, so that of a SKU added twice the last stays last among its equals.
  std::stable_sort(items.begin(), items.end(), [&table](const ItemTable::Item& a, const ItemTable::Item& b) {
    return table.sku_of(a) < table.sku_of(b);
  });
  const auto kept = std::unique(
      items.rbegin(), items.rend(),
      [&table](const ItemTable::Item& a, const ItemTable::Item& b) { return table.sku_of(a) == table.sku_of(b); });
  items.erase(items.begin(), kept.base());
  for (ItemTable::Item& item : items) {
    const auto first = table.packs_.begin() + item.packs_at;
    std::sort(first, first + item.pack_count);
    item.pack_count = offset(std::unique(first, first + item.pack_count) - first);
  }
  items.shrink_to_fit();
  return table;
}

std::optional<ItemFacts> ItemTable::find(std::string_view sku) const {
  const auto found = std::lower_bound(items_.begin(), items_.end(), sku,
                                      [this](const Item& item, std::string_view key) { return sku_of(item) < key; });
  if (found == items_.end() || sku_of(*found) != sku) return std::nullopt;
  const auto packs = packs_.begin() + found->packs_at;
  return ItemFacts{found->unit_cost_cents, classes_[found->item_class], {packs, packs + found->pack_count}};
}

void CatalogSnapshot::put_locations(const std::string& site, std::map<std::string, std::string, std::less<>> classes) {
  location_classes_[site] = std::move(classes);
}

void CatalogSnapshot::put(const protocol::Catalog& catalog) {
  ItemTableBuilder items;
  for (const auto& item : catalog.items) {
    items.add(item.sku, item.unit_cost_cents, item.item_class);
    for (const auto& barcode : item.barcodes) items.add_pack(barcode.pack_qty);
  }
  put_items(items.build());
  std::map<std::string, std::string, std::less<>> classes;
  for (const auto& location : catalog.locations) classes[location.location] = location.location_class;
  put_locations(catalog.site, std::move(classes));
}

std::optional<ItemFacts> CatalogSnapshot::item(std::string_view /*site*/, std::string_view sku) const {
  return items_.find(sku);
}

std::string CatalogSnapshot::location_class(std::string_view site, std::string_view location) const {
  const auto by_site = location_classes_.find(site);
  if (by_site == location_classes_.end()) return {};
  const auto found = by_site->second.find(location);
  return found == by_site->second.end() ? std::string() : found->second;
}

}  // namespace recount::hub::reconcile
