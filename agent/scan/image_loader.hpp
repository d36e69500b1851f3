// Loading camera frames and image files (PNG, JPEG) into grey images for barcode decoding.
// The only place that uses an image decoder (libpng, libjpeg-turbo).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::agent {

// 8-bit luminance, row-major, width * height bytes.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
};

// Files and images beyond these are refused before decoding: a frame is never this large.
inline constexpr std::uintmax_t kMaxImageFileBytes = std::uintmax_t{64} * 1024 * 1024;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{64} * 1024 * 1024;

// Decodes PNG or JPEG bytes (recognised by their signature) to grey. Errors (kInvalidInput):
// not PNG or JPEG, over kMaxImagePixels, or damaged (truncated, corrupt), with the decoder's reason.
// Throws std::bad_alloc when memory runs out, in a decoder's own allocations too. Thread-safe.
Result<GrayImage> decode_image(std::span<const std::uint8_t> bytes);

// Reads and decodes an image file. Errors name the path as their field: kIo when the file
// cannot be read (missing, not a regular file, over kMaxImageFileBytes), else decode_image()'s.
// Blocks on the read. Thread-safe.
Result<GrayImage> load_image(const std::filesystem::path& path);

}  // namespace recount::agent
