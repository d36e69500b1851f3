// What fba_fuzz, shopify_fuzz and pos_fuzz hold every channel reader to, whatever the bytes: no
// crash or sanitizer report, the same Report when read twice, and a Report that keeps its
// promises (docs/channels-formats.md). A broken promise aborts with the reason, which libFuzzer
// reports as a crash with its input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/channels/report.hpp"
#include "shared/domain/limits.hpp"

namespace recount::fuzz {

[[noreturn]] inline void channel_fail(const char* reader, const std::string& what, std::string_view input) {
  std::fprintf(stderr, "%s: %s (input of %zu bytes)\n", reader, what.c_str(), input.size());
  std::abort();
}

inline bool same_problems(const std::vector<hub::ImportError>& a, const std::vector<hub::ImportError>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].line != b[i].line || a[i].field != b[i].field || a[i].message != b[i].message) return false;
  }
  return true;
}

// `first` and `second` are the same input read twice; `system` the reader's system name.
inline void check_report(const char* reader, const hub::channels::Report& first, const hub::channels::Report& second,
                         std::string_view system, std::string_view input) {
  using hub::channels::ReportedMovement;
  if (first.system != system) channel_fail(reader, "system is " + first.system, input);
  if (!same_problems(first.errors, second.errors) || !same_problems(first.notes, second.notes)) {
    channel_fail(reader, "the same bytes read twice gave other problems", input);
  }
  if (first.quantities.size() != second.quantities.size() || first.movements.size() != second.movements.size()) {
    channel_fail(reader, "the same bytes read twice gave other rows", input);
  }
  for (const auto* problems : {&first.errors, &first.notes}) {
    for (const auto& problem : *problems) {
      if (problem.message.empty()) channel_fail(reader, "a problem without message", input);
    }
  }
  for (std::size_t i = 0; i < first.quantities.size(); ++i) {
    const auto& quantity = first.quantities[i];
    if (quantity.line < 2) channel_fail(reader, "a quantity read from the header line", input);
    if (quantity.sku.empty() && quantity.item_ref.empty()) channel_fail(reader, "a quantity of nothing", input);
    if (quantity.sku != second.quantities[i].sku || quantity.quantity != second.quantities[i].quantity) {
      channel_fail(reader, "a quantity differs when read again", input);
    }
  }
  for (std::size_t i = 0; i < first.movements.size(); ++i) {
    const ReportedMovement& movement = first.movements[i];
    if (movement.key.empty()) channel_fail(reader, "a movement without key", input);
    if (movement.key != second.movements[i].key) channel_fail(reader, "a key differs when read again", input);
    if (movement.sku.empty() && movement.barcode.empty()) channel_fail(reader, "a movement of nothing", input);
    if (movement.qty == 0 || movement.qty > limits::kMaxQuantity || movement.qty < -limits::kMaxQuantity) {
      channel_fail(reader, "a movement of " + std::to_string(movement.qty) + " units", input);
    }
    const bool signed_type = movement.type == EventType::kAdjust;
    if (!signed_type && movement.qty < 0) channel_fail(reader, "a negative movement that is no adjustment", input);
    if (signed_type && !movement.reason) channel_fail(reader, "an adjustment without reason", input);
  }
}

}  // namespace recount::fuzz
