// The checks of decode_line_fuzz, shared with its corpus's regression test in the normal build:
// what the agent reads from a frame's decoder process (agent/scan/decode_line.hpp), whose input
// was an untrusted frame. Any line gives barcodes or an error with a message; barcodes it gives
// are written by decode_line() into a line that reads back to the same barcodes.
#pragma once

#include <string>
#include <string_view>

#include "agent/scan/decode_line.hpp"

namespace recount::fuzz {

// "" when `line` keeps the promises above; else what broke.
inline std::string decode_line_problem(std::string_view line) {
  const auto parsed = agent::parse_decode_line(line);
  if (!parsed) return parsed.error().message.empty() ? "an error without message" : "";
  const auto again = agent::parse_decode_line(agent::decode_line("frame.png", *parsed));
  if (!again) return "what was read does not read back: " + again.error().describe();
  if (*again != *parsed) return "what was read reads back different";
  return "";
}

}  // namespace recount::fuzz
