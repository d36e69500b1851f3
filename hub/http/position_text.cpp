// SITE/LOCATION/SKU[/LOT] in and out.
#include "hub/http/position_text.hpp"

#include <vector>

#include "hub/http/percent_encoding.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"

namespace recount::hub {
namespace {

// Only the two characters that would break the form are escaped, so ordinary codes read as
// they are written on the labels.
std::string escape_code(std::string_view code) {
  std::string escaped;
  for (const char c : code) {
    if (c == '%') {
      escaped += "%25";
    } else if (c == '/') {
      escaped += "%2F";
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace

std::string position_text(const reconcile::PositionKey& position) {
  std::string text = position.site + "/" + escape_code(position.location) + "/" + escape_code(position.sku);
  if (!position.lot.empty()) text += "/" + escape_code(position.lot);
  return text;
}

Result<reconcile::PositionKey> parse_position_text(std::string_view field, std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::vector<std::string_view> parts;
  for (std::string_view rest = text;;) {
    const auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (parts.size() < 3 || parts.size() > 4) {
    return invalid(std::string(field), quoted + " is not SITE/LOCATION/SKU[/LOT] (it has " +
                                           std::to_string(parts.size()) + " parts; write a '/' inside a code as %2F)");
  }
  static constexpr std::string_view kNames[] = {"site", "location", "sku", "lot"};
  std::vector<std::string> decoded;
  for (std::size_t index = 0; index < parts.size(); ++index) {
    auto part = percent_decode(kNames[index], parts[index], PercentPart::kPath);
    if (!part) return invalid(std::string(field), quoted + ": " + part.error().describe());
    decoded.push_back(std::move(*part));
  }
  reconcile::PositionKey position{decoded[0], decoded[1], decoded[2], parts.size() == 4 ? decoded[3] : ""};
  Result<void> valid = validate_identifier("site", position.site);
  if (valid) valid = validate_code("location", position.location, limits::kMaxCode);
  if (valid) valid = validate_code("sku", position.sku, limits::kMaxCode);
  if (valid && parts.size() == 4) valid = validate_code("lot", position.lot, limits::kMaxCode);
  if (!valid) return invalid(std::string(field), quoted + ": " + valid.error().describe());
  return position;
}

}  // namespace recount::hub
