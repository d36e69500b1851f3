// Two-way tables between reconciliation enums and the names they have in SQL, JSON and the API.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "shared/core/result.hpp"

namespace recount::hub::reconcile {

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

// The name of `value`, or "unknown" for a value the table lacks (a programming error that
// reads back as corrupt rather than crashing a report).
template <typename Enum, std::size_t N>
constexpr std::string_view name_in(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
constexpr std::optional<Enum> value_in(const NameTable<Enum, N>& table, std::string_view text) {
  for (const auto& [candidate, name] : table) {
    if (name == text) return candidate;
  }
  return std::nullopt;
}

// kCorrupt: "reconcile_<column> holds an unknown value '<value>'", for a name column whose text
// no table above knows.
inline Error corrupt_value(std::string_view column, const std::string& value) {
  return Error{ErrorCode::kCorrupt, "", "reconcile_" + std::string(column) + " holds an unknown value '" + value + "'"};
}

}  // namespace recount::hub::reconcile
