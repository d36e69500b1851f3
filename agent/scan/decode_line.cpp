// decode_line() and its reader.
#include "agent/scan/decode_line.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "shared/core/hex.hpp"
#include "shared/domain/identifiers.hpp"

namespace recount::agent {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kNoBarcode = "no barcode found";

Error unreadable(std::string field, const std::string& what) {
  return invalid(std::move(field), "unreadable answer of the decoder: " + what);
}

Result<std::string> string_member(const Json& object, const char* name, const std::string& field) {
  const auto member = object.find(name);
  if (member == object.end() || !member->is_string()) {
    return unreadable(field.empty() ? name : field + "." + name, "missing or not a string");
  }
  return member->get<std::string>();
}

Result<PixelPoint> parse_corner(const Json& corner, const std::string& field) {
  const auto coordinate = [](const Json& value) {
    return value.is_number_unsigned() && value.get<std::uint64_t>() <= std::numeric_limits<int>::max();
  };
  if (!corner.is_array() || corner.size() != 2 || !coordinate(corner[0]) || !coordinate(corner[1])) {
    return unreadable(field, "a corner is two pixel coordinates [x,y]");
  }
  return PixelPoint{corner[0].get<int>(), corner[1].get<int>()};
}

Result<DecodedBarcode> parse_result(const Json& result, const std::string& field) {
  if (!result.is_object()) return unreadable(field, "not an object");
  DecodedBarcode barcode;
  auto text = string_member(result, "text", field);
  if (!text) return text.error();
  barcode.text = std::move(*text);
  if (result.contains("text_hex")) {
    auto hex = string_member(result, "text_hex", field);
    if (!hex) return hex.error();
    auto exact = from_hex(*hex);
    if (!exact) return unreadable(field + ".text_hex", "not hex digits");
    barcode.text = std::move(*exact);
  }
  auto format = string_member(result, "format", field);
  if (!format) return format.error();
  const auto known = barcode_format_named(*format);
  if (!known) return unreadable(field + ".format", "unknown barcode format '" + *format + "'");
  barcode.format = *known;
  auto identifier = string_member(result, "symbology_identifier", field);
  if (!identifier) return identifier.error();
  barcode.symbology_identifier = std::move(*identifier);
  const auto position = result.find("position");
  if (position == result.end() || !position->is_array() || position->size() != barcode.position.size()) {
    return unreadable(field + ".position", "not four corners");
  }
  for (std::size_t i = 0; i < barcode.position.size(); ++i) {
    auto corner = parse_corner((*position)[i], field + ".position[" + std::to_string(i) + "]");
    if (!corner) return corner.error();
    barcode.position[i] = *corner;
  }
  return barcode;
}

}  // namespace

std::string decode_line(const std::filesystem::path& file, const Result<std::vector<DecodedBarcode>>& barcodes) {
  Json line = {{"file", file.string()}, {"results", Json::array()}};
  if (!barcodes) {
    line["error"] = barcodes.error().message;
  } else if (barcodes->empty()) {
    line["error"] = kNoBarcode;
  }
  for (const auto& barcode : barcodes ? *barcodes : std::vector<DecodedBarcode>{}) {
    Json result = {{"text", barcode.text}};
    if (!is_valid_utf8(barcode.text)) result["text_hex"] = to_hex(barcode.text);
    result["format"] = to_string(barcode.format);
    result["symbology_identifier"] = barcode.symbology_identifier;
    result["position"] = Json::array();
    for (const auto& corner : barcode.position) result["position"].push_back({corner.x, corner.y});
    line["results"].push_back(std::move(result));
  }
  // Invalid UTF-8 (file names, texts) is replaced, never thrown on; text_hex keeps texts exact.
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::vector<DecodedBarcode>> parse_decode_line(std::string_view line) {
  Json answer = Json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return unreadable("", "not a JSON object");
  const auto results = answer.find("results");
  if (results == answer.end() || !results->is_array()) return unreadable("results", "missing or not an array");
  if (answer.contains("error")) {
    auto error = string_member(answer, "error", "");
    if (!error) return error.error();
    if (error->empty()) return unreadable("error", "empty");
    if (*error != kNoBarcode) return invalid("", std::move(*error));
    if (!results->empty()) return unreadable("results", "barcodes beside \"no barcode found\"");
    return std::vector<DecodedBarcode>{};
  }
  std::vector<DecodedBarcode> barcodes;
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto barcode = parse_result((*results)[i], "results[" + std::to_string(i) + "]");
    if (!barcode) return barcode.error();
    barcodes.push_back(std::move(*barcode));
  }
  return barcodes;
}

}  // namespace recount::agent
