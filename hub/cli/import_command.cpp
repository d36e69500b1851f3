// recountctl import.
#include "hub/cli/import_command.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/http/client.hpp"

namespace recount::hub {

CommandOutput import_command(const HostPort& hub, ImportKind kind, const std::filesystem::path& file,
                             OutputFormat format) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return CommandOutput{kExitFailed, "", "recountctl: cannot read " + file.string() + "\n"};
  std::ostringstream content;
  content << in.rdbuf();
  const std::string target = "/api/v1/import/" + std::string(to_string(kind));
  auto answer = http_post(hub, target, content.str(), "text/csv; charset=utf-8");
  if (!answer) return CommandOutput{kExitFailed, "", "recountctl: " + answer.error().describe() + "\n"};
  const auto body = nlohmann::json::parse(answer->body, nullptr, false);
  if (format == OutputFormat::kJson) {
    return CommandOutput{answer->status == 200 ? 0 : answer->status == 422 ? kExitBroken : kExitFailed,
                         answer->body + "\n", ""};
  }
  if (answer->status == 200 && body.is_object()) {
    std::ostringstream out;
    out << "imported " << body.value("rows", 0) << " rows of " << file.filename().string() << ": ";
    if (kind == ImportKind::kItems) {
      out << body.value("items", 0) << " items, " << body.value("barcodes", 0) << " barcodes";
    } else {
      out << body.value("items", 0) << " locations in " << body.value("sites", 0) << " site(s)";
    }
    out << "; catalog version " << body.value("version", 0) << "\n";
    return CommandOutput{0, out.str(), ""};
  }
  if (answer->status == 422 && body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    std::ostringstream err;
    err << "recountctl: " << file.string() << " rejected, nothing was stored (" << body["errors"].size()
        << " problem(s)):\n";
    for (const auto& error : body["errors"]) {
      const auto line = error.value("line", 0);
      err << file.filename().string() << ":" << (line == 0 ? std::string("-") : std::to_string(line)) << ": ";
      const auto field = error.value("field", std::string());
      if (!field.empty() && !field.starts_with("line ")) err << field << ": ";
      err << error.value("message", std::string()) << "\n";
    }
    return CommandOutput{kExitBroken, "", err.str()};
  }
  return CommandOutput{kExitFailed, "",
                       "recountctl: the hub answered " + std::to_string(answer->status) + ": " + answer->body + "\n"};
}

}  // namespace recount::hub
