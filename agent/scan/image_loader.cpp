// libpng and libjpeg-turbo (TurboJPEG) adapter: the only file that includes either.
#include "agent/scan/image_loader.hpp"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <string_view>

namespace recount::agent {
namespace {

bool starts_with(std::span<const std::uint8_t> bytes, std::initializer_list<std::uint8_t> signature) {
  return bytes.size() >= signature.size() && std::equal(signature.begin(), signature.end(), bytes.begin());
}

// Rec. 601 luma of gamma-encoded 8-bit RGB, in integers.
std::uint8_t luminance(unsigned red, unsigned green, unsigned blue) {
  return static_cast<std::uint8_t>((77 * red + 150 * green + 29 * blue) >> 8);
}

Error unreadable(const std::string& reason) { return invalid("image", "unreadable image: " + reason); }

// A decoder's error. One of its own allocations failing (libjpeg's coefficient buffers of a large
// progressive frame, under a memory limit) is an allocation failure like any other, thrown as
// std::bad_alloc, so that a limited decode reports it as the limit's (agent/cli/decode_command.cpp);
// the decoders say so only in their messages.
Error decoder_error(const std::string& reason) {
  std::string lower = reason;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const std::string_view out_of_memory : {"insufficient memory", "out of memory", "memory allocation failure"}) {
    if (lower.find(out_of_memory) != std::string::npos) throw std::bad_alloc();
  }
  return unreadable(reason);
}

// Checked before the decoder allocates anything of the image's size.
Result<std::size_t> pixel_count(std::uint64_t width, std::uint64_t height) {
  if (width == 0 || height == 0) return unreadable("an image without pixels");
  if (width * height > static_cast<std::uint64_t>(kMaxImagePixels)) {
    return invalid("image", std::to_string(width) + "x" + std::to_string(height) + " pixels is too large");
  }
  return static_cast<std::size_t>(width * height);
}

Result<GrayImage> decode_png(std::span<const std::uint8_t> bytes) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  // libpng's simplified API frees what it holds on its own errors; this covers the others.
  const std::unique_ptr<png_image, void (*)(png_image*)> release(&png, png_image_free);
  if (png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()) == 0) return decoder_error(png.message);
  auto pixels = pixel_count(png.width, png.height);
  if (!pixels) return pixels.error();
  GrayImage image{static_cast<int>(png.width), static_cast<int>(png.height), std::vector<std::uint8_t>(*pixels)};
  // Transparent parts are paper: a label's barcode drawn on no background reads as on white.
  const png_color white{255, 255, 255};
  if ((png.format & PNG_FORMAT_FLAG_COLOR) == 0) {
    png.format = PNG_FORMAT_GRAY;
    if (png_image_finish_read(&png, &white, image.pixels.data(), 0, nullptr) == 0) return decoder_error(png.message);
    return image;
  }
  // Colour is read as 8-bit sRGB and made grey here, as for a JPEG: libpng's own conversion
  // weighs linear light, which leaves marginal symbols less contrast than the camera saw.
  png.format = PNG_FORMAT_RGB;
  std::vector<std::uint8_t> rgb(*pixels * 3);
  if (png_image_finish_read(&png, &white, rgb.data(), 0, nullptr) == 0) return decoder_error(png.message);
  for (std::size_t i = 0; i < *pixels; ++i) image.pixels[i] = luminance(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
  return image;
}

// A CMYK or YCCK JPEG (print artwork more than a camera's frame): libjpeg hands its inks over as
// Adobe writes them, inverted (255 is no ink). Grey is the luminance of the RGB they make.
std::uint8_t gray_of_cmyk(const std::uint8_t* cmyk) {
  const unsigned black = cmyk[3];
  return luminance(cmyk[0] * black / 255, cmyk[1] * black / 255, cmyk[2] * black / 255);
}

Result<GrayImage> decode_jpeg(std::span<const std::uint8_t> bytes) {
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  if (!handle) return decoder_error(tjGetErrorStr2(nullptr));
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle.get(), bytes.data(), bytes.size(), &width, &height, &subsampling, &colorspace) != 0) {
    return decoder_error(tjGetErrorStr2(handle.get()));
  }
  auto pixels =
      pixel_count(static_cast<std::uint64_t>(std::max(width, 0)), static_cast<std::uint64_t>(std::max(height, 0)));
  if (!pixels) return pixels.error();
  // A truncated or corrupt frame is refused rather than read half grey (libjpeg's warnings), and
  // a progressive JPEG of thousands of scans (a way to spend a decoder's CPU) is refused.
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  GrayImage image{width, height, std::vector<std::uint8_t>(*pixels)};
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    std::vector<std::uint8_t> cmyk(*pixels * 4);
    if (tjDecompress2(handle.get(), bytes.data(), bytes.size(), cmyk.data(), width, 0, height, TJPF_CMYK, flags) != 0) {
      return decoder_error(tjGetErrorStr2(handle.get()));
    }
    for (std::size_t i = 0; i < *pixels; ++i) image.pixels[i] = gray_of_cmyk(&cmyk[i * 4]);
    return image;
  }
  if (tjDecompress2(handle.get(), bytes.data(), bytes.size(), image.pixels.data(), width, 0, height, TJPF_GRAY,
                    flags) != 0) {
    return decoder_error(tjGetErrorStr2(handle.get()));
  }
  return image;
}

}  // namespace

Result<GrayImage> decode_image(std::span<const std::uint8_t> bytes) {
  // Camera frames are PNG or JPEG; no decoder of any other format is linked, so none is attack
  // surface.
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) return decode_png(bytes);
  if (starts_with(bytes, {0xff, 0xd8, 0xff})) return decode_jpeg(bytes);
  return invalid("image", "not a PNG or JPEG image");
}

Result<GrayImage> load_image(const std::filesystem::path& path) {
  const auto cannot_read = [&path](const std::string& reason) {
    return Error{ErrorCode::kIo, path.string(), "cannot read: " + reason};
  };
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) return cannot_read(error.message());
  if (!std::filesystem::is_regular_file(status)) return cannot_read("not a regular file");
  const auto file_size = std::filesystem::file_size(path, error);
  if (error) return cannot_read(error.message());
  if (file_size > kMaxImageFileBytes) return cannot_read("larger than 64 MiB");
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) return cannot_read("cannot open the file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto image = decode_image(bytes);
  if (!image) return invalid(path.string(), image.error().message);
  return image;
}

}  // namespace recount::agent
