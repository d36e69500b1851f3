// CatalogSnapshot: item facts and location classes from published catalogs.
#include "hub/reconcile/catalog_view.hpp"

#include <algorithm>

namespace recount::hub::reconcile {

template <typename Value>
const Value* CatalogSnapshot::find(const BySite<Value>& map, std::string_view site, std::string_view name) {
  const auto by_site = map.find(site);
  if (by_site == map.end()) return nullptr;
  const auto found = by_site->second.find(name);
  return found == by_site->second.end() ? nullptr : &found->second;
}

void CatalogSnapshot::put(const protocol::Catalog& catalog) {
  auto& items = items_[catalog.site];
  auto& locations = location_classes_[catalog.site];
  items.clear();
  locations.clear();
  for (const auto& item : catalog.items) {
    ItemFacts facts{item.unit_cost_cents, item.item_class, {}};
    for (const auto& barcode : item.barcodes) facts.pack_quantities.push_back(barcode.pack_qty);
    std::sort(facts.pack_quantities.begin(), facts.pack_quantities.end());
    facts.pack_quantities.erase(std::unique(facts.pack_quantities.begin(), facts.pack_quantities.end()),
                                facts.pack_quantities.end());
    items[item.sku] = std::move(facts);
  }
  for (const auto& location : catalog.locations) locations[location.location] = location.location_class;
}

std::optional<ItemFacts> CatalogSnapshot::item(std::string_view site, std::string_view sku) const {
  const ItemFacts* facts = find(items_, site, sku);
  if (facts == nullptr) return std::nullopt;
  return *facts;
}

std::string CatalogSnapshot::location_class(std::string_view site, std::string_view location) const {
  const std::string* location_class = find(location_classes_, site, location);
  return location_class == nullptr ? std::string() : *location_class;
}

}  // namespace recount::hub::reconcile
