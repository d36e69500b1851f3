// A realistic event stream for one device working its own aisle.
#include "tests/support/warehouse_events.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace recount::testing {
namespace {

constexpr int kBins = 125;
constexpr int kSkusPerBin = 4;
constexpr int kPositions = kBins * kSkusPerBin;
constexpr std::int64_t kCasePack = 12;

// One position of the aisle: a bin and the SKU slotted in it.
struct Position {
  std::string location;
  std::string sku;
};

Position position_of(std::size_t aisle, int index) {
  const int bin = index / kSkusPerBin;
  return {"A" + std::to_string(aisle) + "-" + std::to_string(bin / 5) + "-" + std::to_string(bin % 5),
          "SKU-" + std::to_string(aisle * 1000 + static_cast<std::size_t>(index % 250))};
}

}  // namespace

std::vector<Event> warehouse_event_drafts(std::size_t aisle, std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  auto pick = [&](std::int64_t n) { return static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(n)); };
  const std::string dock = "DOCK-" + std::to_string(aisle);
  const std::string user = "user-" + std::to_string(aisle);
  std::map<std::pair<std::string, std::string>, std::int64_t> on_hand;  // (location, sku) → units
  std::map<int, std::int64_t> at_dock;                                  // position index → units received
  std::vector<Event> drafts;
  drafts.reserve(count);
  auto with_stock = [&]() -> std::optional<Position> {  // a random position holding stock, if any
    for (int attempt = 0; attempt < 8; ++attempt) {
      auto position = position_of(aisle, static_cast<int>(pick(kPositions)));
      if (on_hand[{position.location, position.sku}] > 0) return position;
    }
    return std::nullopt;
  };
  while (drafts.size() < count) {
    Event event;
    event.user = user;
    const auto roll = pick(100);
    if (roll < 20 || (roll < 40 && at_dock.empty())) {
      const int index = static_cast<int>(pick(kPositions));
      event.type = EventType::kReceive;
      event.location = dock;
      event.sku = position_of(aisle, index).sku;
      event.qty = kCasePack * (1 + pick(4));
      event.reference = "PO-" + std::to_string(aisle) + "-" + std::to_string(drafts.size() / 50);
      at_dock[index] += event.qty;
    } else if (roll < 40) {
      auto received =
          std::next(at_dock.begin(), static_cast<std::ptrdiff_t>(pick(static_cast<std::int64_t>(at_dock.size()))));
      const auto position = position_of(aisle, received->first);
      event.type = EventType::kPutaway;
      event.location = dock;
      event.to_location = position.location;
      event.sku = position.sku;
      event.qty = received->second;
      on_hand[{position.location, position.sku}] += received->second;
      at_dock.erase(received);
    } else if (roll < 75) {
      auto position = with_stock();
      if (!position) continue;
      auto& units = on_hand[{position->location, position->sku}];
      event.type = roll < 70 ? EventType::kSale : EventType::kMove;
      event.location = position->location;
      event.sku = position->sku;
      if (event.type == EventType::kSale) {
        event.qty = 1 + pick(std::min<std::int64_t>(units, 5));
      } else {
        auto to = position_of(aisle, static_cast<int>(pick(kPositions))).location;
        if (to == position->location) continue;
        event.to_location = to;
        event.qty = 1 + pick(units);
        on_hand[{to, position->sku}] += event.qty;
      }
      units -= event.qty;
    } else {
      const auto position = position_of(aisle, static_cast<int>(pick(kPositions)));
      const auto units = on_hand[{position.location, position.sku}];
      event.type = EventType::kCount;
      event.location = position.location;
      event.sku = position.sku;
      const auto error = pick(1000);
      if (error < 5 && units >= kCasePack) {
        event.qty = units / kCasePack;  // counted cases as eaches
      } else if (error < 25) {
        event.qty = std::max<std::int64_t>(0, units + (pick(2) == 0 ? -1 : 1) * (1 + pick(3)));
      } else {
        event.qty = units;
      }
    }
    drafts.push_back(std::move(event));
  }
  return drafts;
}

void write_warehouse_event_lines(const std::filesystem::path& file, std::size_t aisle, std::size_t count,
                                 unsigned seed) {
  std::ofstream out(file);
  for (const auto& draft : warehouse_event_drafts(aisle, count, seed)) {
    nlohmann::json line = {{"type", to_string(draft.type)},
                           {"location", draft.location},
                           {"sku", draft.sku},
                           {"qty", draft.qty},
                           {"user", draft.user}};
    if (!draft.to_location.empty()) line["to"] = draft.to_location;
    if (!draft.reference.empty()) line["ref"] = draft.reference;
    if (draft.reason) line["reason"] = to_string(*draft.reason);
    out << line.dump() << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace recount::testing
