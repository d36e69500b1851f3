// Decoding barcodes in images (camera frames, image files): EAN-13/8, UPC-A/E, Code 128, Code 39,
// ITF, QR Code and Data Matrix, GS1 variants included.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scan/image_loader.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

enum class BarcodeFormat { kEan13, kEan8, kUpcA, kUpcE, kCode128, kCode39, kItf, kQrCode, kDataMatrix };

// "EAN-13", "EAN-8", "UPC-A", "UPC-E", "Code128", "Code39", "ITF", "QRCode", "DataMatrix".
std::string_view to_string(BarcodeFormat format);
// The format to_string() names so; nullopt for any other name.
std::optional<BarcodeFormat> barcode_format_named(std::string_view name);

struct PixelPoint {
  int x = 0;
  int y = 0;
  bool operator==(const PixelPoint&) const = default;
};

struct DecodedBarcode {
  // The data as UTF-8, without symbology identifier. GS1 FNC1 separators are GS (29). UPC-A
  // gives its 12 digits (ZXing 1.4; later versions and most scanners give the 13-digit EAN-13
  // form with a leading 0: normalize_gtin makes both the same GTIN-14).
  std::string text;
  BarcodeFormat format = BarcodeFormat::kQrCode;
  std::string symbology_identifier;  // AIM identifier: "]E0", "]C1" (GS1-128), "]d2" (GS1 DataMatrix), ...
  // The symbol's corners in image pixels: top-left, top-right, bottom-right, bottom-left as
  // the symbol reads (for a rotated symbol its top-left need not be the image's).
  std::array<PixelPoint, 4> position{};
  bool operator==(const DecodedBarcode&) const = default;
};

// Every barcode found in `image`, in ZXing's order; empty when there is none (or when the
// image's pixels do not match its width and height). It tries the plain image first (rotations
// included, "try harder" on); only when that finds nothing does it try, in turn, a fixed
// threshold (glare), the image scaled down by 2 and 3 (large or blurred symbols), a white border
// around it (symbols cropped without quiet zone, as label generators write them) and inverted
// colours (light-on-dark marks), and returns the first that finds any.
// Pure computation, tens of milliseconds for a camera frame; thread-safe.
std::vector<DecodedBarcode> decode_barcodes(const GrayImage& image);

// load_image() then decode_barcodes(): errors are load_image()'s; no barcode is an empty vector.
Result<std::vector<DecodedBarcode>> decode_image_file(const std::filesystem::path& path);

}  // namespace recount::agent
