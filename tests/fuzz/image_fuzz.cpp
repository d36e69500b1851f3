// libFuzzer target for camera frames and image files (image_harness.hpp): stb_image's PNG and
// JPEG decoders, then ZXing over the pixels. Nothing may crash or trip a sanitizer, and what
// decodes must keep the harness's promises; anything else aborts with the reason, which libFuzzer
// reports as a crash with its input.
//
// Debian ships stb_image compiled (libstb.so), without the fuzzer's coverage instrumentation, so
// libFuzzer could not steer into the decoders. This target compiles the same header's
// implementation (libstb-dev, the source libstb.so is built from) into itself, instrumented; the
// executable's definitions take the place of the library's. ZXing stays Debian's library:
// crashes in it show, its branches do not guide.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

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
