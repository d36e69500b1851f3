// gzip for imported files (Amazon's reports come gzipped): the one adapter over zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "shared/core/result.hpp"

namespace recount::hub {

// True when `bytes` start with gzip's magic number, 1f 8b.
bool is_gzip(std::string_view bytes);

// The inflated bytes of a gzip stream (several members concatenated are read one after another, as
// gunzip does). Errors (kInvalidInput, field "file"): corrupt or truncated data, or more than
// `max_bytes` inflated (the limit named). Blocks on nothing; memory is bounded by `max_bytes`.
Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes);

}  // namespace recount::hub
