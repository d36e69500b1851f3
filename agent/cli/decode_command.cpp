// `recount-agent decode`.
#include "agent/cli/decode_command.hpp"

#include <ostream>

#include <nlohmann/json.hpp>

#include "agent/scan/barcode_decoder.hpp"

namespace recount::agent {

int decode_images(const std::vector<std::filesystem::path>& images, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  for (const auto& image : images) {
    nlohmann::ordered_json line = {{"file", image.string()}, {"results", nlohmann::ordered_json::array()}};
    auto barcodes = decode_image_file(image);
    if (!barcodes) {
      line["error"] = barcodes.error().message;
      err << "recount-agent: " << barcodes.error().describe() << '\n';
      exit_code = 1;
    } else if (barcodes->empty()) {
      line["error"] = "no barcode found";
    }
    for (const auto& barcode : barcodes ? *barcodes : std::vector<DecodedBarcode>{}) {
      auto corners = nlohmann::ordered_json::array();
      for (const auto& corner : barcode.position) corners.push_back({corner.x, corner.y});
      line["results"].push_back({{"text", barcode.text},
                                 {"format", to_string(barcode.format)},
                                 {"symbology_identifier", barcode.symbology_identifier},
                                 {"position", corners}});
    }
    // Decoded text need not be valid UTF-8 (binary QR payloads); never let it throw.
    out << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
  }
  return exit_code;
}

}  // namespace recount::agent
