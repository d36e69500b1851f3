// gzip(): what it deflates inflates back the same, and the same bytes always deflate the same.
#include "shared/core/gzip.hpp"

#include <doctest/doctest.h>

#include <string>

namespace recount {

TEST_CASE("gzip output is gzip, inflates back to its input, and is the same for the same input") {
  std::string text;
  for (int i = 0; i < 10'000; ++i) text += "{\"sku\":\"SKU-" + std::to_string(i) + "\",\"pack_qty\":1},";
  const auto packed = gzip(text);
  CHECK(is_gzip(packed));
  CHECK(packed.size() < text.size() / 4);
  CHECK(packed == gzip(text));
  CHECK(gunzip(packed, text.size()).value() == text);
  CHECK(gunzip(gzip(""), 0).value().empty());
}

}  // namespace recount
