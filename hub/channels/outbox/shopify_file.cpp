// Shopify inventory import files of corrections.
#include "hub/channels/outbox/shopify_file.hpp"

#include <cstdio>

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
  // Handle, Title and the options are empty: the variant is named by its SKU.
  return std::string(kHeader) + ",,,,,,,," + quoted(correction.sku) + ",,," + quoted(correction.system_location) +
         ",,,,,,," + std::to_string(correction.on_hand) + "\n";
}

}  // namespace recount::hub::channels
