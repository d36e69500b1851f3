// Shopify inventory import files of corrections.
#include "hub/channels/outbox/shopify_file.hpp"

#include <cstdio>

#include "hub/channels/shopify/variant_key.hpp"

namespace recount::hub::channels {
namespace {

constexpr const char* kHeader =
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,"
    "Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),"
    "Available (not editable),On hand (current),On hand (new)\n";

std::string quoted(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

std::string correction_file_name(const CorrectionRecord& record) {
  char id[24];
  std::snprintf(id, sizeof id, "%010lld", static_cast<long long>(record.id));
  return record.correction.system + "-correction-" + id + ".csv";
}

std::string shopify_inventory_import(const CorrectionRecord& record) {
  const Correction& correction = record.correction;
  // A variant with a SKU is named by it (Handle, Title and the options empty); one without, by
  // its Handle and option values (the option names and SKU empty).
  std::string item = ",,,,,,,," + quoted(correction.sku);
  if (const auto variant = shopify::parse_variant_key(correction.sku)) {
    item = quoted(variant->handle) + ",";
    for (std::size_t n = 0; n < 3; ++n) {
      item += ",," + (n < variant->option_values.size() ? quoted(variant->option_values[n]) : std::string());
    }
    item += ",";
  }
  return std::string(kHeader) + item + ",,," + quoted(correction.system_location) + ",,,,,,," +
         std::to_string(correction.on_hand) + "\n";
}

}  // namespace recount::hub::channels
