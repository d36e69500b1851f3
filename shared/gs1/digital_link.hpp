// GS1 Digital Link URIs (https://id.gs1.org/01/09506000134352/10/ABC?17=201231, any host):
// the AI/value pairs they carry, before the AI table validates the values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/core/result.hpp"

namespace recount::gs1 {

// True when `text` starts with "http://" or "https://" (in any case).
bool is_uri(std::string_view text);

struct LinkPair {
  std::string ai;
  std::string value;     // percent-decoded
  std::size_t position;  // where the value starts in the URI, counted from 1
};

// The pairs of a Digital Link URI in order: the path's primary key (00, 01, 253, 255, 401,
// 402, 414, 417, 8003, 8004, 8006, 8010, 8013, 8017, 8018) and the qualifiers after it, then
// the query parameters whose names are AIs. Path segments before the primary key (a custom
// prefix), query parameters with other names (linktype=..., utm_...) and the fragment are
// ignored. A GTIN (01) of 8, 12 or 13 digits in the path is padded with zeros to 14, as the
// Digital Link standard allows the short forms. Errors: no primary key in the path, a path
// whose AI segments do not pair with values, a numeric query name that is no AI, a bad %-escape.
// Thread-safe.
Result<std::vector<LinkPair>> split_digital_link(std::string_view uri);

}  // namespace recount::gs1
