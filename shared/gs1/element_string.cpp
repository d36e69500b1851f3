// Accessors and renderings of a parsed GS1 message.
#include "shared/gs1/element_string.hpp"

#include <charconv>

#include "shared/domain/gtin.hpp"
#include "shared/gs1/ai_table.hpp"
#include "shared/gs1/dates.hpp"

namespace recount::gs1 {
namespace {

constexpr char kGroupSeparator = '\x1d';

}  // namespace

std::string_view to_string(Fnc1 fnc1) {
  switch (fnc1) {
    case Fnc1::kNotApplicable: return "not_applicable";
    case Fnc1::kFirstPosition: return "first_position";
    case Fnc1::kMissing: return "missing";
  }
  return "not_applicable";
}

const Element* ElementString::find(std::string_view ai) const {
  for (const auto& element : elements) {
    if (element.ai == ai) return &element;
  }
  return nullptr;
}

std::optional<std::string> ElementString::value_of(std::string_view ai) const {
  if (const auto* element = find(ai)) return element->value;
  return std::nullopt;
}

std::optional<std::string> ElementString::gtin() const {
  if (auto value = value_of("01")) return value;
  if (!plain_gtin) return std::nullopt;
  auto normalised = normalize_gtin(*plain_gtin);
  if (!normalised) return std::nullopt;
  return std::move(*normalised);
}

std::optional<std::string> ElementString::expiry() const {
  const auto* element = find("17");
  if (element == nullptr || !element->date) return std::nullopt;
  return iso_date(*element->date);
}

std::optional<std::int64_t> ElementString::count() const {
  for (const auto& element : elements) {
    if (element.ai != "30" && element.ai != "37") continue;
    std::int64_t count = 0;
    const auto* end = element.value.data() + element.value.size();
    const auto [stop, error] = std::from_chars(element.value.data(), end, count);
    if (error != std::errc() || stop != end) return std::nullopt;
    return count;
  }
  return std::nullopt;
}

std::string ElementString::hri() const {
  std::string text;
  for (const auto& element : elements) text += "(" + element.ai + ")" + element.value;
  return text;
}

std::string ElementString::raw() const {
  std::string text;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    text += elements[i].ai + elements[i].value;
    const auto* definition = find_ai(elements[i].ai);
    const bool predefined = definition != nullptr && definition->predefined_length;
    if (!predefined && i + 1 < elements.size()) text += kGroupSeparator;
  }
  return text;
}

}  // namespace recount::gs1
