// `recount-agent decode IMAGE...`: decodes barcodes in image files, one JSON line per image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <vector>

namespace recount::agent {

struct DecodeOptions {
  // When set, the process's data (heap and private mappings: RLIMIT_DATA) is capped at this
  // many MiB before the first image, and it dumps no core: the agent's frame decoder runs this
  // command so on every untrusted frame. An image that needs more gets the error "needs more
  // memory than the decoder's limit of N MiB".
  std::optional<std::int64_t> memory_limit_mib;
  // Before the first image, the process is confined to reading the images named
  // (confine_to_reading(): no other file read, nothing written, no privileges gained), where the
  // kernel has Landlock. The agent's frame decoder runs this command so.
  bool sandbox = false;
};

// Writes one decode_line() per image to `out`, in argument order, each ended by a newline and
// flushed. Returns 0 when every image could be read (whether or not it held a barcode), 1 when
// any could not (each such image still gets its line), 2 when the limit or the sandbox cannot be
// set. Blocks while decoding.
int decode_images(const std::vector<std::filesystem::path>& images, const DecodeOptions& options, std::ostream& out,
                  std::ostream& err);

}  // namespace recount::agent
