// The checks of image_fuzz, shared with its corpus's regression test in the normal build: a
// camera's frame (agent/scan/folder_watcher.hpp) or an image file given to `recount-agent decode`
// is whatever lands in a folder, so its bytes are untrusted. Decoding must refuse with a reason
// or give pixels that match the image's size within the limit, and every barcode found in them
// must be of a format we read and lie inside the image.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "agent/scan/barcode_decoder.hpp"
#include "agent/scan/image_loader.hpp"

namespace recount::fuzz {

// Larger images are decoded to pixels but not searched for barcodes: ZXing's "try harder" over a
// big frame takes seconds, and a fuzzer that waits on it tries nothing else. Real frames are
// searched whatever their size (tests/agent/scan/barcode_decoder_test.cpp).
inline constexpr std::int64_t kMaxSearchedPixels = std::int64_t{512} * 512;

// "" when `bytes` are refused with a message, or decode to an image that keeps the promises
// above; else what broke.
inline std::string image_problem(std::span<const std::uint8_t> bytes) {
  const auto image = agent::decode_image(bytes);
  if (!image) return image.error().message.empty() ? "a refusal without message" : "";
  const std::int64_t pixels = std::int64_t{image->width} * image->height;
  if (image->width <= 0 || image->height <= 0) return "an image without pixels";
  if (pixels > agent::kMaxImagePixels) return "an image over the pixel limit";
  if (image->pixels.size() != static_cast<std::size_t>(pixels)) return "pixels that do not match width x height";
  if (pixels > kMaxSearchedPixels) return {};
  for (const auto& barcode : agent::decode_barcodes(*image)) {
    if (agent::to_string(barcode.format) == "unknown") return "a barcode of no format we read";
    for (const auto& corner : barcode.position) {
      if (corner.x < 0 || corner.x >= image->width || corner.y < 0 || corner.y >= image->height) {
        return "a barcode corner outside the image";
      }
    }
  }
  return {};
}

}  // namespace recount::fuzz
