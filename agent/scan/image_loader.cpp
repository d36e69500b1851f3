// stb_image adapter.
#include "agent/scan/image_loader.hpp"

#include <stb/stb_image.h>

#include <fstream>
#include <iterator>
#include <memory>

namespace recount::agent {
namespace {

bool starts_with(std::span<const std::uint8_t> bytes, std::initializer_list<std::uint8_t> signature) {
  return bytes.size() >= signature.size() && std::equal(signature.begin(), signature.end(), bytes.begin());
}

}  // namespace

Result<GrayImage> decode_image(std::span<const std::uint8_t> bytes) {
  // stb_image reads many more formats than PNG and JPEG; camera frames are one of these two,
  // and every other decoder stb carries is attack surface we do not need.
  const bool png = starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
  const bool jpeg = starts_with(bytes, {0xff, 0xd8, 0xff});
  if (!png && !jpeg) return invalid("image", "not a PNG or JPEG image");
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return invalid("image", "image file too large");
  const auto size = static_cast<int>(bytes.size());

  int width = 0;
  int height = 0;
  int channels = 0;
  if (stbi_info_from_memory(bytes.data(), size, &width, &height, &channels) == 0) {
    return invalid("image", std::string("unreadable image: ") + stbi_failure_reason());
  }
  if (static_cast<std::int64_t>(width) * height > kMaxImagePixels) {
    return invalid("image", std::to_string(width) + "x" + std::to_string(height) + " pixels is too large");
  }
  const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), size, &width, &height, &channels, 1), stbi_image_free);
  if (!pixels) return invalid("image", std::string("unreadable image: ") + stbi_failure_reason());
  GrayImage image{width, height, {}};
  image.pixels.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(width) * height);
  return image;
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
