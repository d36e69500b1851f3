// `recount-agent decode`.
#include "agent/cli/decode_command.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <ostream>
#include <string>

#include "agent/scan/decode_line.hpp"
#include "agent/scan/frame_sandbox.hpp"

namespace recount::agent {
namespace {

bool set_limit(int resource, rlim_t value) {
  const rlimit limit{value, value};
  return setrlimit(resource, &limit) == 0;
}

}  // namespace

int decode_images(const std::vector<std::filesystem::path>& images, const DecodeOptions& options, std::ostream& out,
                  std::ostream& err) {
  if (options.memory_limit_mib) {
    const auto bytes = static_cast<rlim_t>(*options.memory_limit_mib) * 1024 * 1024;
    if (!set_limit(RLIMIT_DATA, bytes) || !set_limit(RLIMIT_CORE, 0)) {
      err << "recount-agent: --memory-limit-mib: cannot set the limit: " << std::strerror(errno) << '\n';
      return 2;
    }
  }
  if (options.sandbox) {
    if (auto confined = confine_to_reading(images); !confined) {
      err << "recount-agent: --sandbox: " << confined.error().describe() << '\n';
      return 2;
    }
  }
  int exit_code = 0;
  for (const auto& image : images) {
    Result<std::vector<DecodedBarcode>> barcodes = std::vector<DecodedBarcode>{};
    try {
      barcodes = decode_image_file(image);
    } catch (const std::bad_alloc&) {
      // What was allocated for this image is freed as the exception unwinds; the next image
      // starts with the memory this one had.
      barcodes =
          invalid(image.string(), options.memory_limit_mib ? "needs more memory than the decoder's limit of " +
                                                                 std::to_string(*options.memory_limit_mib) + " MiB"
                                                           : std::string("needs more memory than the system has free"));
    }
    if (!barcodes) {
      err << "recount-agent: " << barcodes.error().describe() << '\n';
      exit_code = 1;
    }
    out << decode_line(image, barcodes) << std::endl;
  }
  return exit_code;
}

}  // namespace recount::agent
