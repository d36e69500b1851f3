// ZXing-C++ 1.4 adapter: the only file that includes <ZXing/...>.
#define ZX_USE_UTF8  // Result::text() returns UTF-8 std::string (1.4's transitional switch)
#include "agent/scan/barcode_decoder.hpp"

#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <functional>

namespace recount::agent {
namespace {

struct FormatName {
  ZXing::BarcodeFormat zxing;
  BarcodeFormat ours;
  std::string_view name;
};

constexpr std::array<FormatName, 9> kFormats = {{
    {ZXing::BarcodeFormat::EAN13, BarcodeFormat::kEan13, "EAN-13"},
    {ZXing::BarcodeFormat::EAN8, BarcodeFormat::kEan8, "EAN-8"},
    {ZXing::BarcodeFormat::UPCA, BarcodeFormat::kUpcA, "UPC-A"},
    {ZXing::BarcodeFormat::UPCE, BarcodeFormat::kUpcE, "UPC-E"},
    {ZXing::BarcodeFormat::Code128, BarcodeFormat::kCode128, "Code128"},
    {ZXing::BarcodeFormat::Code39, BarcodeFormat::kCode39, "Code39"},
    {ZXing::BarcodeFormat::ITF, BarcodeFormat::kItf, "ITF"},
    {ZXing::BarcodeFormat::QRCode, BarcodeFormat::kQrCode, "QRCode"},
    {ZXing::BarcodeFormat::DataMatrix, BarcodeFormat::kDataMatrix, "DataMatrix"},
}};

ZXing::DecodeHints base_hints() {
  ZXing::BarcodeFormats formats;
  for (const auto& format : kFormats) formats |= format.zxing;
  ZXing::DecodeHints hints;
  hints.setFormats(formats);
  hints.setTryHarder(true);
  hints.setTryRotate(true);
  // ZXing 1.4 aborts on an assertion when it merges a linear symbol found at two scales of its
  // downscaling pyramid (zxing-cpp issues #516, #740; Debian keeps assertions on), e.g. on
  // code128-1/4.png of the test corpus. decode_barcodes() scales down by itself instead.
  hints.setTryDownscale(false);
  return hints;
}

// Maps a point of a transformed image (scaled by `scale`, shifted by `offset`) back to the
// original image, inside its bounds.
struct Transform {
  int scale = 1;
  int offset = 0;
};

PixelPoint to_image(const ZXing::PointI& point, Transform transform, const GrayImage& image) {
  return {std::clamp(point.x * transform.scale - transform.offset, 0, image.width - 1),
          std::clamp(point.y * transform.scale - transform.offset, 0, image.height - 1)};
}

std::vector<DecodedBarcode> read(const ZXing::ImageView& view, const ZXing::DecodeHints& hints, Transform transform,
                                 const GrayImage& image) {
  std::vector<DecodedBarcode> found;
  for (const auto& result : ZXing::ReadBarcodes(view, hints)) {
    if (!result.isValid()) continue;
    const auto format = std::find_if(kFormats.begin(), kFormats.end(),
                                     [&](const FormatName& known) { return known.zxing == result.format(); });
    if (format == kFormats.end()) continue;
    const auto& corners = result.position();
    found.push_back(DecodedBarcode{
        result.text(),
        format->ours,
        result.symbologyIdentifier(),
        {to_image(corners.topLeft(), transform, image), to_image(corners.topRight(), transform, image),
         to_image(corners.bottomRight(), transform, image), to_image(corners.bottomLeft(), transform, image)}});
  }
  return found;
}

GrayImage with_border(const GrayImage& image, int border) {
  const int width = image.width + 2 * border;
  GrayImage framed{width, image.height + 2 * border,
                   std::vector<std::uint8_t>(static_cast<std::size_t>(width) * (image.height + 2 * border), 255)};
  for (int y = 0; y < image.height; ++y) {
    std::copy_n(image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * image.width, image.width,
                framed.pixels.begin() + static_cast<std::ptrdiff_t>(y + border) * width + border);
  }
  return framed;
}

GrayImage inverted(const GrayImage& image) {
  GrayImage negative = image;
  for (auto& pixel : negative.pixels) pixel = static_cast<std::uint8_t>(255 - pixel);
  return negative;
}

ZXing::ImageView view_of(const GrayImage& image) {
  return ZXing::ImageView(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum);
}

}  // namespace

std::string_view to_string(BarcodeFormat format) {
  for (const auto& known : kFormats) {
    if (known.ours == format) return known.name;
  }
  return "unknown";
}

std::optional<BarcodeFormat> barcode_format_named(std::string_view name) {
  for (const auto& known : kFormats) {
    if (known.name == name) return known.ours;
  }
  return std::nullopt;
}

std::vector<DecodedBarcode> decode_barcodes(const GrayImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
    return {};
  }
  const auto hints = base_hints();
  const auto view = view_of(image);

  std::vector<std::function<std::vector<DecodedBarcode>()>> attempts;
  attempts.emplace_back([&] { return read(view, hints, {}, image); });
  attempts.emplace_back([&] {
    auto fixed = hints;
    fixed.setBinarizer(ZXing::Binarizer::FixedThreshold);
    return read(view, fixed, {}, image);
  });
  for (const int scale : {2, 3}) {
    if (std::min(image.width, image.height) / scale < 40) break;  // too few pixels left for a symbol
    attempts.emplace_back([&, scale] { return read(view.subsampled(scale), hints, {scale, 0}, image); });
  }
  attempts.emplace_back([&] {
    const int border = std::max(16, std::min(image.width, image.height) / 8);
    const auto framed = with_border(image, border);
    return read(view_of(framed), hints, {1, border}, image);
  });
  attempts.emplace_back([&] {
    const auto negative = inverted(image);
    return read(view_of(negative), hints, {}, image);
  });

  for (const auto& attempt : attempts) {
    auto found = attempt();
    if (!found.empty()) return found;
  }
  return {};
}

Result<std::vector<DecodedBarcode>> decode_image_file(const std::filesystem::path& path) {
  auto image = load_image(path);
  if (!image) return image.error();
  return decode_barcodes(*image);
}

}  // namespace recount::agent
