// `recount-agent decode IMAGE...`: decodes barcodes in image files, one JSON line per image.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <vector>

namespace recount::agent {

// Writes one compact JSON object per image to `out`, in argument order:
//   {"file":F,"results":[{"text":T,"format":"EAN-13","symbology_identifier":"]E0",
//                         "position":[[x,y],[x,y],[x,y],[x,y]]}, ...]}
//   {"file":F,"results":[],"error":"no barcode found"}
//   {"file":F,"results":[],"error":"cannot read: No such file or directory"}
// Positions are the top-left, top-right, bottom-right and bottom-left corners in pixels.
// Returns 0 when every image could be read (whether or not it held a barcode), 1 when any
// could not (each such image still gets its line). Blocks while decoding.
int decode_images(const std::vector<std::filesystem::path>& images, std::ostream& out, std::ostream& err);

}  // namespace recount::agent
