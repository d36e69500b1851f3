// libFuzzer target for camera frames and image files (image_harness.hpp): libpng's and
// libjpeg-turbo's decoders, then ZXing over the pixels. Nothing may crash or trip a sanitizer, and
// what decodes must keep the harness's promises; anything else aborts with the reason, which
// libFuzzer reports as a crash with its input. The decoders are Debian's libraries, built without
// the fuzzer's instrumentation: crashes in them show, their branches do not guide. (Run with
// stb_image compiled in, this target found a write past a Huffman table of its JPEG reader within
// seconds: Debian's stb_image is why the agent no longer uses it.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "tests/fuzz/image_harness.hpp"

// libFuzzer calls this by its fixed name.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem = recount::fuzz::image_problem(std::span<const std::uint8_t>(data, size));
  if (!problem.empty()) {
    std::fprintf(stderr, "image_fuzz: %s (input of %zu bytes)\n", problem.c_str(), size);
    std::abort();
  }
  return 0;
}
