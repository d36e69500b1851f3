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

// The pairs of a Digital Link URI in order (GS1 Digital Link Standard: URI Syntax): the path's
// primary key (00, 01, 253, 255, 401, 402, 414, 415, 417, 8003, 8004, 8006, 8010, 8013, 8017,
// 8018) and its key qualifiers, then the query parameters whose names are AIs. The primary key is
// the rightmost one after which every path segment pair is a known AI and its value; the segments
// before it are the URI's stem, whatever they hold. Query parameters with other names
// (linktype=..., utm_...) or without '=' and the fragment are ignored; in query values '+' is a
// space. A GTIN (01) of 8, 12 or 13 digits is padded with zeros to 14, a leniency for labels
// printed before the standard required 14 digits.
// Errors ("uri" field, with the character of the URI counted from 1): no primary key in the path,
// a path ending in '/', an empty value, qualifiers that are not the key's or out of its order
// ((01) takes (22) (10) (21) in this order, or (235)), a key qualifier given as a query
// parameter, the same AI twice, a numeric query name that is no AI, a bad or NUL %-escape.
// Thread-safe.
Result<std::vector<LinkPair>> split_digital_link(std::string_view uri);

}  // namespace recount::gs1
