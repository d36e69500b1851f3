// Loading PNG and JPEG images, and refusing files that are not, or are damaged
// (fixtures in tests/data/scan).
#include "agent/scan/image_loader.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

#include "tests/support/test_data.hpp"

namespace recount::agent {
namespace {

const std::filesystem::path kFixtures = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan";

}  // namespace

TEST_CASE("a PNG loads as grey pixels of its size") {
  const auto image = load_image(kFixtures / "ean13.png");
  REQUIRE(image);
  CHECK(image->width == 226);
  CHECK(image->height == 116);
  CHECK(image->pixels.size() == 226u * 116u);
  CHECK(image->pixels.front() == 255);  // zint's white margin
}

TEST_CASE("a progressive JPEG photo loads") {
  // Rendered by tests/data/barcodes/make.py ("photo-blur" images are progressive JPEGs).
  const auto image = load_image(testing::project_data("barcodes/ean13/ean13-a-photo-blur.jpg"));
  REQUIRE(image);
  CHECK(image->width == 780);
  CHECK(image->height == 468);
}

TEST_CASE("files that are not PNG or JPEG are refused by their signature") {
  for (const char* name : {"not-an-image.png", "gif-signature.png", "empty.png"}) {
    const auto image = load_image(kFixtures / name);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == ErrorCode::kInvalidInput);
    CHECK(image.error().message == "not a PNG or JPEG image");
    CHECK(image.error().field == (kFixtures / name).string());
  }
}

TEST_CASE("truncated and corrupt images are refused with the decoder's reason") {
  for (const char* name : {"truncated.png", "corrupt.jpg"}) {
    const auto image = load_image(kFixtures / name);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == ErrorCode::kInvalidInput);
    CHECK(image.error().message.starts_with("unreadable image: "));
  }
}

TEST_CASE("a missing file or a folder is an I/O error naming the path") {
  const auto missing = load_image(kFixtures / "no-such-frame.png");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK(missing.error().describe() ==
        (kFixtures / "no-such-frame.png").string() + ": cannot read: No such file or directory");
  const auto folder = load_image(kFixtures);
  REQUIRE_FALSE(folder);
  CHECK(folder.error().message == "cannot read: not a regular file");
}

TEST_CASE("image dimensions beyond the pixel limit are refused before decoding") {
  // A PNG header claiming 20000 x 20000 grey pixels, then an empty image data chunk (each CRC is
  // zlib.crc32 of the chunk's type and fields): the decoder would have all of it to inflate.
  const std::vector<std::uint8_t> header = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0,    13,
                                            'I',  'H', 'D', 'R', 0,    0,    0x4e, 0x20, 0,    0, 0x4e, 0x20,
                                            8,    0,   0,   0,   0,    0xc6, 0x1b, 0x19, 0xe5, 0, 0,    0,
                                            0,    'I', 'D', 'A', 'T',  0x35, 0xaf, 0x06, 0x1e};
  const auto image = decode_image(header);
  REQUIRE_FALSE(image);
  CHECK(image.error().message == "20000x20000 pixels is too large");
}

TEST_CASE("a JPEG claiming dimensions beyond the pixel limit is refused before decoding") {
  // Start of image, a baseline frame header of 9000 x 9000 with one component and the start of
  // its scan, without tables or data.
  const std::vector<std::uint8_t> header = {0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0x23, 0x28, 0x23, 0x28, 1, 1,
                                            0x11, 0,    0xff, 0xda, 0, 8,  1, 1,    0,    0,    0x3f, 0};
  const auto image = decode_image(header);
  REQUIRE_FALSE(image);
  CHECK(image.error().message == "9000x9000 pixels is too large");
}

TEST_CASE("a JPEG of four inks and one of grey pixels load as grey") {
  // tests/fuzz/corpus/image: the same QR code saved by PIL as CMYK and as grey JPEG.
  const auto corpus = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/fuzz/corpus/image";
  const auto cmyk = load_image(corpus / "qr-cmyk.jpg");
  const auto gray = load_image(corpus / "qr-gray-baseline.jpg");
  REQUIRE(cmyk);
  REQUIRE(gray);
  REQUIRE(cmyk->pixels.size() == gray->pixels.size());
  // Ink is dark: the two agree on every pixel within JPEG's loss.
  std::size_t far_apart = 0;
  for (std::size_t i = 0; i < gray->pixels.size(); ++i) {
    if (std::abs(int{cmyk->pixels[i]} - int{gray->pixels[i]}) > 48) ++far_apart;
  }
  CHECK(far_apart == 0);
}

}  // namespace recount::agent
