// Stored link settings of the agent.
#include "agent/config/link_settings.hpp"

#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/crypto/ed25519.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::agent {
namespace {

constexpr int kSettingsVersion = 1;

// The files of DIR/broker/ and the LinkChanges member each holds.
struct StoredFile {
  const char* name;
  std::optional<std::string> LinkChanges::*member;
  std::filesystem::perms mode;
};
constexpr StoredFile kFiles[] = {
    {"ca.pem", &LinkChanges::ca_pem, storage::kWorldReadable},
    {"client.pem", &LinkChanges::cert_pem, storage::kWorldReadable},
    {"client.key", &LinkChanges::key_pem, storage::kOwnerOnly},
    {"password", &LinkChanges::password, storage::kOwnerOnly},
};

std::filesystem::path broker_dir(const std::filesystem::path& data_dir) { return data_dir / "broker"; }

Result<std::optional<std::string>> read_option_file(const char* option, const std::filesystem::path& file) {
  if (file.empty()) return std::optional<std::string>();
  auto text = storage::read_whole_file(file);
  if (!text) return invalid(option, text.error().message);
  if (text->empty()) return invalid(option, file.string() + " is empty");
  return std::optional<std::string>(std::move(*text));
}

// What DIR/broker/ holds, as changes from nothing; no URI when nothing is stored.
Result<LinkChanges> load_stored(const std::filesystem::path& data_dir) {
  LinkChanges stored;
  const auto settings_file = broker_dir(data_dir) / "settings.json";
  if (!std::filesystem::exists(settings_file)) return stored;
  auto text = storage::read_whole_file(settings_file);
  if (!text) return text.error();
  const auto settings = nlohmann::json::parse(*text, nullptr, false);
  if (settings.is_discarded() || !settings.is_object() || settings.value("v", 0) != kSettingsVersion ||
      !settings.contains("uri") || !settings["uri"].is_string()) {
    return invalid(settings_file.string(), "not recount's broker settings (version 1 with a uri)");
  }
  stored.uri = settings["uri"].get<std::string>();
  if (settings.contains("username") && settings["username"].is_string()) {
    stored.username = settings["username"].get<std::string>();
  }
  for (const auto& file : kFiles) {
    const auto path = broker_dir(data_dir) / file.name;
    if (!std::filesystem::exists(path)) continue;
    auto contents = storage::read_whole_file(path);
    if (!contents) return contents.error();
    stored.*file.member = std::move(*contents);
  }
  return stored;
}

}  // namespace

Result<LinkChanges> read_link_options(const std::string& uri, const std::filesystem::path& ca_file,
                                      const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                                      const std::string& username, const std::filesystem::path& password_file) {
  LinkChanges changes;
  if (!uri.empty()) changes.uri = uri;
  if (!username.empty()) changes.username = username;
  for (const auto& [option, path, member] : {std::tuple{"--mqtt-ca", ca_file, &LinkChanges::ca_pem},
                                             std::tuple{"--mqtt-cert", cert_file, &LinkChanges::cert_pem},
                                             std::tuple{"--mqtt-key", key_file, &LinkChanges::key_pem}}) {
    auto contents = read_option_file(option, path);
    if (!contents) return contents.error();
    changes.*member = std::move(*contents);
  }
  if (!password_file.empty()) {
    auto password = mqtt::read_password_file(password_file);
    if (!password) return password.error();
    changes.password = std::move(*password);
  }
  return changes;
}

Result<StoredLink> update_link(const std::filesystem::path& data_dir, const LinkChanges& changes) {
  LinkChanges merged;
  if (!changes.uri) {
    auto stored = load_stored(data_dir);
    if (!stored) return stored.error();
    merged = std::move(*stored);
    if (!merged.uri) {
      return Error{ErrorCode::kNotFound, "--mqtt",
                   "no broker stored in " + data_dir.string() + ": give --mqtt (or provision the device) once"};
    }
  }
  for (auto member : {&LinkChanges::uri, &LinkChanges::username}) {
    if (changes.*member) merged.*member = changes.*member;
  }
  for (const auto& file : kFiles) {
    if (changes.*file.member) merged.*file.member = changes.*file.member;
  }

  std::error_code error;
  std::filesystem::create_directories(broker_dir(data_dir), error);
  if (error)
    return Error{ErrorCode::kIo, "", "cannot create " + broker_dir(data_dir).string() + ": " + error.message()};
  // Write what changed beside the stored files, check the whole, and only then put it in place.
  StoredLink link{*merged.uri, {}};
  link.security.username = merged.username.value_or("");
  link.security.password = merged.password.value_or("");
  std::vector<std::filesystem::path> staged;
  auto discard = [&] {
    for (const auto& path : staged) std::filesystem::remove(path.string() + ".staged", error);
  };
  for (const auto& file : kFiles) {
    const auto path = broker_dir(data_dir) / file.name;
    if (!(merged.*file.member)) {
      std::filesystem::remove(path.string() + ".staged", error);
      continue;
    }
    if (auto ok = storage::write_file_atomically(path.string() + ".staged", *(merged.*file.member), file.mode); !ok) {
      discard();
      return ok.error();
    }
    staged.push_back(path);
  }
  auto staged_path = [&](const std::optional<std::string>& contents, const char* name) {
    return contents ? broker_dir(data_dir) / (std::string(name) + ".staged") : std::filesystem::path();
  };
  mqtt::LinkSecurity check = link.security;
  check.ca_file = staged_path(merged.ca_pem, "ca.pem");
  check.cert_file = staged_path(merged.cert_pem, "client.pem");
  check.key_file = staged_path(merged.key_pem, "client.key");
  if (auto ok = mqtt::check_broker(link.uri, check); !ok) {
    discard();
    return ok.error();
  }
  for (const auto& file : kFiles) {
    const auto path = broker_dir(data_dir) / file.name;
    if (merged.*file.member) {
      std::filesystem::rename(path.string() + ".staged", path, error);
      if (error) return Error{ErrorCode::kIo, "", "cannot store " + path.string() + ": " + error.message()};
    } else {
      std::filesystem::remove(path, error);
    }
  }
  nlohmann::json settings{{"v", kSettingsVersion}, {"uri", link.uri}};
  if (merged.username) settings["username"] = *merged.username;
  if (auto ok = storage::write_file_atomically(broker_dir(data_dir) / "settings.json", settings.dump(2) + "\n",
                                               storage::kOwnerOnly);
      !ok) {
    return ok.error();
  }
  if (merged.ca_pem) link.security.ca_file = broker_dir(data_dir) / "ca.pem";
  if (merged.cert_pem) link.security.cert_file = broker_dir(data_dir) / "client.pem";
  if (merged.key_pem) link.security.key_file = broker_dir(data_dir) / "client.key";
  return link;
}

}  // namespace recount::agent
