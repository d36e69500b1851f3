// libFuzzer target for the policy document (hub/reconcile/policy.*), which operators upload:
// parsing must not crash or trip a sanitizer; whatever parses must encode to a document that
// parses back to the same policy, and its count plans must evaluate over a few positions without
// crashing whatever their start and frequency. Anything else aborts with the reason, which
// libFuzzer reports as a crash with its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hub/reconcile/count_plan.hpp"
#include "hub/reconcile/policy.hpp"

namespace recount::hub::reconcile {
namespace {

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "policy_fuzz: %s (input of %zu bytes)\n", what.c_str(), input.size());
  std::abort();
}

void check(std::string_view input) {
  const Result<Policy> policy = parse_policy(input);
  if (!policy) {
    if (policy.error().code != ErrorCode::kInvalidInput) fail("a refusal that is not kInvalidInput", input);
    return;
  }
  const Result<Policy> again = parse_policy(encode_policy(*policy));
  if (!again) fail("its encoding is refused: " + again.error().describe(), input);
  if (!(*again == *policy)) fail("its encoding parses to another policy", input);
  std::vector<PlanPosition> positions(3);
  const char* const classes[] = {"pick", "shelf", ""};
  for (std::size_t i = 0; i < positions.size(); ++i) {
    positions[i].key = PositionKey{"s1", "L" + std::to_string(i), "SKU-" + std::to_string(i % 2), ""};
    positions[i].on_hand = static_cast<std::int64_t>(i) * 7 - 3;
    positions[i].unit_cost_cents = 125;
    positions[i].location_class = classes[i];
    if (i > 0) positions[i].last_count_ms = 1'790'000'000'000 - static_cast<std::int64_t>(i) * 86'400'000;
  }
  for (const std::int64_t now_ms :
       {std::int64_t{0}, std::int64_t{1'790'000'000'000}, std::int64_t{253'402'300'799'000}}) {
    for (const auto& count : evaluate_plans(*policy, "s1", positions, now_ms)) {
      if (count.due_ms <= count.opened_ms) fail("a due count due before it opened", input);
      if (count.state != DueState::kDone && count.opened_ms > now_ms) fail("an open count not opened yet", input);
    }
  }
}

}  // namespace
}  // namespace recount::hub::reconcile

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  recount::hub::reconcile::check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
