// A position written as one word, SITE/LOCATION/SKU[/LOT], for command lines and messages.
// Site ids cannot hold '/', but locations, SKUs and lots may (shared/domain/identifiers.hpp), so
// a '/' inside a code is written %2F and a '%' is written %25: the separator is never ambiguous.
#pragma once

#include <string>
#include <string_view>

#include "hub/reconcile/position.hpp"
#include "shared/core/result.hpp"

namespace recount::hub {

// "store-1/A-01/SKU-1", or ".../LOT" when the position has a lot. Pure, thread-safe.
std::string position_text(const reconcile::PositionKey& position);

// The inverse of position_text(). Errors: kInvalidInput naming `field` and quoting `text` when it
// does not have three or four parts, a part has a bad % escape, the site is not an identifier or
// a code is empty, too long or not valid UTF-8. Pure, thread-safe.
Result<reconcile::PositionKey> parse_position_text(std::string_view field, std::string_view text);

}  // namespace recount::hub
