// GS1's rules for which AIs must, and must not, appear together in one message (the Barcode
// Syntax Dictionary's "req" and "ex" attributes), and that an AI never repeats with another value.
#pragma once

#include <vector>

#include "shared/core/result.hpp"
#include "shared/gs1/element_string.hpp"

namespace recount::gs1 {

// Ok when every element's partners are present and none of its exclusions is. Otherwise the
// first broken rule, in element order, with field "(AI)": "requires (00)", "requires one of
// (01), (8006)", "cannot appear together with (37)", or "appears twice with different values".
// Elements whose AI the table lacks are not checked. Thread-safe.
Result<void> check_pairing_rules(const std::vector<Element>& elements);

}  // namespace recount::gs1
