// recountctl import.
#include "hub/cli/import_command.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"
#include "hub/http/percent_encoding.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// The query parameters that tell the hub how to read a catalog or baseline file.
std::string table_query(const TableOptions& reading) {
  const auto delimiter = delimiter_char(reading.delimiter);
  return "?delimiter=" + std::string(delimiter ? delimiter_name(*delimiter) : "detect") +
         "&encoding=" + std::string(to_string(reading.encoding));
}

// Sends `file` to `target`; a stored file is summed up by `summary` (from the 200 answer's
// JSON), a rejected one listed problem by problem.
template <typename Summary>
CommandOutput post_import(const HubEndpoint& hub, const std::string& target, const std::filesystem::path& file,
                          OutputFormat format, Summary summary) {
  auto answer = http_post_file(hub, target, file, "text/csv; charset=utf-8");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = Json::parse(answer->body, nullptr, false);
  if (format == OutputFormat::kJson) {
    return CommandOutput{answer->status == 200   ? 0
                         : answer->status == 422 ? kExitBroken
                                                 : kExitFailed,
                         answer->body + "\n", ""};
  }
  if (answer->status == 200 && body.is_object()) {
    // The catalog and baseline imports say how they read the file; a system's report is read as
    // its format prescribes.
    const std::string reading = body.contains("delimiter")
                                    ? " (" + body.value("delimiter", std::string()) + "-separated, " +
                                          body.value("encoding", std::string()) + ")"
                                    : "";
    return CommandOutput{0,
                         "imported " + std::to_string(body.value("rows", 0)) + " rows of " + file.filename().string() +
                             reading + ": " + summary(body) + "\n",
                         ""};
  }
  if (answer->status == 422 && member(body, "errors").is_array()) {
    std::ostringstream err;
    err << "recountctl: " << file.string() << " rejected, nothing was stored (" << member(body, "errors").size()
        << " problem(s)):\n";
    for (const auto& error : member(body, "errors")) {
      const ImportError problem{error.value("line", std::size_t{0}), error.value("field", std::string()),
                                error.value("message", std::string())};
      err << format_import_error(file.string(), problem) << "\n";
    }
    return CommandOutput{kExitBroken, "", err.str()};
  }
  return CommandOutput{kExitFailed, "",
                       "recountctl: the hub answered " + std::to_string(answer->status) + ": " + answer->body + "\n"};
}

}  // namespace

CommandOutput import_command(const HubEndpoint& hub, ImportKind kind, const std::filesystem::path& file,
                             const TableOptions& reading, OutputFormat format) {
  return post_import(
      hub, "/api/v1/import/" + std::string(to_string(kind)) + table_query(reading), file, format,
      [kind](const Json& body) {
        const std::string catalog = "; catalog version " + std::to_string(body.value("version", 0));
        if (kind == ImportKind::kItems) {
          return std::to_string(body.value("items", 0)) + " items, " + std::to_string(body.value("barcodes", 0)) +
                 " barcodes" + catalog;
        }
        if (kind == ImportKind::kUsers) {
          const auto changed = body.value("changed_sites", 0);
          return std::to_string(body.value("users", 0)) + " users in " + std::to_string(body.value("sites", 0)) +
                 " site(s), " + std::to_string(body.value("removed", 0)) + " removed" +
                 (changed == 0 ? "; unchanged, catalog version " + std::to_string(body.value("version", 0)) : catalog);
        }
        return std::to_string(body.value("items", 0)) + " locations in " + std::to_string(body.value("sites", 0)) +
               " site(s)" + catalog;
      });
}

CommandOutput import_baseline_command(const HubEndpoint& hub, const std::filesystem::path& file,
                                      const TableOptions& reading, OutputFormat format) {
  return post_import(hub, "/api/v1/import/baseline" + table_query(reading), file, format, [](const Json& body) {
    return std::to_string(body.value("stored", 0)) + " baselines stored, " +
           std::to_string(body.value("unchanged", 0)) + " already imported (unchanged)";
  });
}

Result<std::string> location_map_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Error{ErrorCode::kNotFound, "locations", "cannot read " + file.string()};
  Json map = Json::object();
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with('#')) continue;
    const auto comma = line.rfind(',');
    if (comma == std::string::npos) {
      return invalid("locations", file.filename().string() + ":" + std::to_string(number) +
                                      ": must be SYSTEM_LOCATION,LOCATION (got '" + line + "')");
    }
    map[line.substr(0, comma)] = line.substr(comma + 1);
  }
  return map.dump();
}

CommandOutput import_channel_command(const HubEndpoint& hub, std::string_view system, const std::filesystem::path& file,
                                     const ChannelImportOptions& options, OutputFormat format) {
  std::string target = "/api/v1/imports/" + std::string(system) + "?site=" + percent_encode(options.site);
  if (!options.as_of.empty()) target += "&as_of=" + percent_encode(options.as_of);
  if (!options.encoding.empty()) target += "&encoding=" + percent_encode(options.encoding);
  if (!options.location.empty()) target += "&location=" + percent_encode(options.location);
  if (!options.locations.empty()) {
    auto map = location_map_json(options.locations);
    if (!map) return CommandOutput{kExitFailed, "", "recountctl: " + map.error().describe() + "\n"};
    target += "&locations=" + percent_encode(*map);
  }
  return post_import(hub, target, file, format, [&file](const Json& body) {
    std::string text = std::to_string(body.value("stored", 0)) + " stored, " +
                       std::to_string(body.value("unchanged", 0)) + " already imported (unchanged)";
    const Json notes = body.value("notes", Json::array());
    for (const auto& note : notes) {
      const ImportError problem{note.value("line", std::size_t{0}), note.value("field", std::string()),
                                note.value("message", std::string())};
      text += "\n  note: " + format_import_error(file.string(), problem);
    }
    const Json unmapped = body.value("unmapped", Json::array());
    if (!unmapped.empty()) {
      text += "\n  " + std::to_string(unmapped.size()) + " SKU(s) the catalog does not know, listed for mapping:";
      for (const auto& each : unmapped) text += " " + each.value("system_sku", std::string());
    }
    return text;
  });
}

}  // namespace recount::hub
