// Event streams for tests and benchmarks.
#include "tests/support/event_lines.hpp"

#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace recount::testing {

void write_event_lines(const std::filesystem::path& file, std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  std::ofstream out(file);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  for (std::size_t i = 0; i < count; ++i) {
    nlohmann::json event;
    const std::string location = "A-" + std::to_string(pick(20));
    const std::string sku = "SKU-" + std::to_string(pick(50));
    switch (pick(4)) {
      case 0: event = {{"type", "count"}, {"location", location}, {"sku", sku}, {"qty", pick(40)}}; break;
      case 1:
        event = {{"type", "receive"},
                 {"location", "DOCK"},
                 {"sku", sku},
                 {"qty", 1 + pick(24)},
                 {"ref", "PO-" + std::to_string(pick(9))}};
        break;
      case 2:
        event = {{"type", "move"},
                 {"location", location},
                 {"to", "B-" + std::to_string(pick(5))},
                 {"sku", sku},
                 {"qty", 1 + pick(5)}};
        break;
      default:
        event = {{"type", "adjust"},
                 {"location", location},
                 {"sku", sku},
                 {"qty", pick(2) == 0 ? -1 : 1},
                 {"reason", "damage"}};
        break;
    }
    event["user"] = "user-" + std::to_string(pick(3));
    out << event.dump() << '\n';
  }
}

}  // namespace recount::testing
