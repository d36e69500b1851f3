// gzip() and GzipStart: what they deflate inflates back the same, with any end, and the same bytes
// always deflate the same.
#include "shared/core/gzip.hpp"

#include <doctest/doctest.h>

#include <string>

namespace recount {
namespace {

std::string skus(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "{\"sku\":\"SKU-" + std::to_string(i) + "\",\"pack_qty\":1},";
  return text;
}

}  // namespace

TEST_CASE("gzip output is gzip, inflates back to its input, and is the same for the same input") {
  const std::string text = skus(10'000);
  const auto packed = gzip(text);
  CHECK(is_gzip(packed));
  CHECK(packed.size() < text.size() / 4);
  CHECK(packed == gzip(text));
  CHECK(gunzip(packed, text.size()).value() == text);
  CHECK(gunzip(gzip(""), 0).value().empty());
}

TEST_CASE("a gzip start finished with different ends inflates to the start and each end, as one member") {
  const std::string text = skus(10'000);
  const GzipStart start(text);
  CHECK(start.bytes().size() < text.size() / 4);
  // It keeps what it holds, not the bound it deflated into (a hub holds hundreds of these).
  CHECK(start.bytes().capacity() < text.size() / 4);
  // Ends of every length a stored block's 16-bit size makes interesting, up to a multiple block.
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{14}, std::size_t{65'535},
                                 std::size_t{65'536}, std::size_t{200'000}}) {
    CAPTURE(size);
    std::string end(size, 'x');
    for (std::size_t i = 0; i < size; ++i) end[i] = static_cast<char>('a' + i % 26);
    const auto member = start.finish(end);
    CHECK(member == start.bytes() + start.ending(end));
    CHECK(member == GzipStart(text).finish(end));
    CHECK(gunzip(member, text.size() + size).value() == text + end);
    // One member, not two joined (which gunzip() would read as one text too): its trailer counts
    // the whole text.
    const auto* trailer = reinterpret_cast<const unsigned char*>(member.data() + member.size() - 4);
    CHECK((trailer[0] | trailer[1] << 8 | trailer[2] << 16 | std::size_t{trailer[3]} << 24) == text.size() + size);
  }
  CHECK(gunzip(GzipStart("").finish(",\"site\":\"S1\"}"), 100).value() == ",\"site\":\"S1\"}");
  // A corrupted end is caught by the trailer's CRC.
  auto member = start.finish("the end");
  member[member.size() - 12] = 'X';
  CHECK(gunzip(member, text.size() + 100).error().describe().find("corrupt") != std::string::npos);
}

}  // namespace recount
