// recountctl import.
#include "hub/cli/import_command.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

// Sends `file` to /api/v1/import/{kind}; a stored file is summed up by `summary` (from the 200
// answer's JSON), a rejected one listed problem by problem.
template <typename Summary>
CommandOutput post_import(const HubEndpoint& hub, std::string_view kind, const std::filesystem::path& file,
                          const TableOptions& reading, OutputFormat format, Summary summary) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return CommandOutput{kExitFailed, "", "recountctl: cannot read " + file.string() + "\n"};
  std::ostringstream content;
  content << in.rdbuf();
  const auto delimiter = delimiter_char(reading.delimiter);
  const std::string target = "/api/v1/import/" + std::string(kind) +
                             "?delimiter=" + std::string(delimiter ? delimiter_name(*delimiter) : "detect") +
                             "&encoding=" + std::string(to_string(reading.encoding));
  auto answer = http_post(hub, target, content.str(), "text/csv; charset=utf-8");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = Json::parse(answer->body, nullptr, false);
  if (format == OutputFormat::kJson) {
    return CommandOutput{answer->status == 200   ? 0
                         : answer->status == 422 ? kExitBroken
                                                 : kExitFailed,
                         answer->body + "\n", ""};
  }
  if (answer->status == 200 && body.is_object()) {
    return CommandOutput{0,
                         "imported " + std::to_string(body.value("rows", 0)) + " rows of " + file.filename().string() +
                             " (" + body.value("delimiter", std::string()) + "-separated, " +
                             body.value("encoding", std::string()) + "): " + summary(body) + "\n",
                         ""};
  }
  if (answer->status == 422 && body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    std::ostringstream err;
    err << "recountctl: " << file.string() << " rejected, nothing was stored (" << body["errors"].size()
        << " problem(s)):\n";
    for (const auto& error : body["errors"]) {
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
  return post_import(hub, to_string(kind), file, reading, format, [kind](const Json& body) {
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
  return post_import(hub, "baseline", file, reading, format, [](const Json& body) {
    return std::to_string(body.value("stored", 0)) + " baselines stored, " +
           std::to_string(body.value("unchanged", 0)) + " already imported (unchanged)";
  });
}

}  // namespace recount::hub
