// The JSON line `recount-agent decode` prints for an image, written and read back: the agent's
// frame decoder (frame_decoder.hpp) runs that command in a child process and reads its line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scan/barcode_decoder.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

// One compact JSON object, without newline:
//   {"file":F,"results":[{"text":T,"format":"EAN-13","symbology_identifier":"]E0",
//                         "position":[[x,y],[x,y],[x,y],[x,y]]}, ...]}
//   {"file":F,"results":[],"error":"no barcode found"}
//   {"file":F,"results":[],"error":"cannot read: No such file or directory"}
// Positions are the top-left, top-right, bottom-right and bottom-left corners in pixels. A text
// that is not valid UTF-8 (ZXing gives lone UTF-16 surrogates of a symbol as such bytes) is
// written with its invalid bytes replaced, and exactly in "text_hex" beside it.
std::string decode_line(const std::filesystem::path& file, const Result<std::vector<DecodedBarcode>>& barcodes);

// What decode_line() wrote: the barcodes (none for "no barcode found"), or its error as an Error
// (kInvalidInput, no field). A line that is not such an object is an Error (kInvalidInput) whose
// field names the part that is wrong ("results[0].format") and whose message starts with
// "unreadable answer of the decoder: ".
Result<std::vector<DecodedBarcode>> parse_decode_line(std::string_view line);

}  // namespace recount::agent
