// The provisioning sources of `recount-agent run` and their precedence.
#include "agent/config/provisioning.hpp"

#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <system_error>
#include <utility>

#include "shared/domain/identifiers.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::agent {
namespace {

std::optional<std::string> lookup(const Environment& environment, const char* name) {
  auto value = environment(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// The whole file; `secret` files (credentials, passwords, keys) must not be readable by every
// user: whoever could read one may already have copied it, so it is refused rather than used.
enum class Secrecy { kPublic, kSecret };
Result<std::string> read_source_file(const std::string& field, const std::filesystem::path& file, Secrecy secrecy) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error) return invalid(field, "cannot read " + file.string() + ": " + error.message());
  const auto others = status.permissions() & std::filesystem::perms::others_read;
  if (secrecy == Secrecy::kSecret && others != std::filesystem::perms::none) {
    std::ostringstream mode;
    mode << std::oct << std::setw(4) << std::setfill('0') << static_cast<unsigned>(status.permissions());
    return invalid(field, file.string() + " is readable by every user (mode " + mode.str() +
                              "): make it readable by the agent only (chmod o-r) and consider the secret in it "
                              "disclosed");
  }
  auto text = storage::read_whole_file(file);
  if (!text) return invalid(field, text.error().message);
  if (text->empty()) return invalid(field, file.string() + " is empty");
  return text;
}

Result<void> check_identity(Provisioning& source) {
  for (const auto& [name, value] : {std::pair{"site", &source.site}, std::pair{"device", &source.device}}) {
    if (!*value) continue;
    if (auto ok = validate_identifier(name, **value); !ok) return ok.error().within(source.identity_origin);
  }
  return Ok{};
}

// $CREDENTIALS_DIRECTORY's recount credentials; nothing when the variable is unset.
Result<Provisioning> from_credentials(const Environment& environment) {
  Provisioning source;
  const auto directory = lookup(environment, "CREDENTIALS_DIRECTORY");
  if (!directory) return source;
  const std::filesystem::path dir(*directory);
  const auto field = [](const char* name) { return std::string("credential ") + name; };
  if (std::filesystem::exists(dir / kBundleCredential)) {
    auto text = read_source_file(field(kBundleCredential), dir / kBundleCredential, Secrecy::kSecret);
    if (!text) return text.error();
    auto bundle = protocol::decode_bundle(*text);
    if (!bundle) return bundle.error().within(field(kBundleCredential));
    auto hub_key = crypto::PublicKey::from_pem(bundle->hub_key_pem);
    if (!hub_key) return invalid(field(kBundleCredential) + ".hub_key", hub_key.error().message);
    source.site = bundle->site;
    source.device = bundle->device;
    source.identity_origin = field(kBundleCredential);
    source.link.uri = bundle->broker;
    if (!bundle->ca_pem.empty()) source.link.ca_pem = bundle->ca_pem;
    source.link.username = bundle->username;
    source.link.password = bundle->password;
    source.hub_key = *hub_key;
    source.hub_key_origin = field(kBundleCredential);
  }
  for (const auto& [name, member] :
       {std::pair{kCertCredential, &LinkChanges::cert_pem}, std::pair{kKeyCredential, &LinkChanges::key_pem}}) {
    if (!std::filesystem::exists(dir / name)) continue;
    auto text = read_source_file(field(name), dir / name, Secrecy::kSecret);
    if (!text) return text.error();
    source.link.*member = std::move(*text);
  }
  return source;
}

Result<Provisioning> from_environment(const Environment& environment) {
  Provisioning source;
  source.site = lookup(environment, "RECOUNT_SITE");
  source.device = lookup(environment, "RECOUNT_DEVICE");
  source.identity_origin = "RECOUNT_SITE/RECOUNT_DEVICE";
  source.link.uri = lookup(environment, "RECOUNT_BROKER");
  source.link.username = lookup(environment, "RECOUNT_MQTT_USERNAME");
  struct FileVariable {
    const char* name;
    std::optional<std::string> LinkChanges::*member;
    Secrecy secrecy;
  };
  for (const auto& [name, member, secrecy] :
       {FileVariable{"RECOUNT_MQTT_CA", &LinkChanges::ca_pem, Secrecy::kPublic},
        FileVariable{"RECOUNT_MQTT_CERT", &LinkChanges::cert_pem, Secrecy::kPublic},
        FileVariable{"RECOUNT_MQTT_KEY", &LinkChanges::key_pem, Secrecy::kSecret},
        FileVariable{"RECOUNT_MQTT_PASSWORD_FILE", &LinkChanges::password, Secrecy::kSecret}}) {
    const auto file = lookup(environment, name);
    if (!file) continue;
    auto text = read_source_file(name, *file, secrecy);
    if (!text) return text.error();
    source.link.*member = std::move(*text);
  }
  if (source.link.password) {
    // As --mqtt-password-file: the first line, without its line break.
    auto& password = *source.link.password;
    password = password.substr(0, password.find_first_of("\r\n"));
    if (password.empty()) return invalid("RECOUNT_MQTT_PASSWORD_FILE", "the file's first line is empty");
  }
  if (auto file = lookup(environment, "RECOUNT_HUB_KEY")) {
    source.hub_key_file = *file;
    source.hub_key_origin = "RECOUNT_HUB_KEY";
  }
  return source;
}

// Fills what `into` lacks from `from`, which ranks below it.
void fill_from(Provisioning& into, const Provisioning& from) {
  if (!into.site && !into.device && (from.site || from.device)) into.identity_origin = from.identity_origin;
  if (!into.site) into.site = from.site;
  if (!into.device) into.device = from.device;
  for (auto member : {&LinkChanges::uri, &LinkChanges::ca_pem, &LinkChanges::cert_pem, &LinkChanges::key_pem,
                      &LinkChanges::username, &LinkChanges::password}) {
    if (!(into.link.*member)) into.link.*member = from.link.*member;
  }
  if (!into.hub_key_file && !into.hub_key) {
    into.hub_key_file = from.hub_key_file;
    into.hub_key = from.hub_key;
    into.hub_key_origin = from.hub_key_origin;
  }
}

}  // namespace

Environment process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Provisioning> resolve_provisioning(const Provisioning& flags, const Environment& environment) {
  auto credentials = from_credentials(environment);
  if (!credentials) return credentials.error();
  auto variables = from_environment(environment);
  if (!variables) return variables.error();
  Provisioning merged = flags;
  if (merged.identity_origin.empty()) merged.identity_origin = "--site/--device";
  if (merged.hub_key_file && merged.hub_key_origin.empty()) merged.hub_key_origin = "--hub-key";
  fill_from(merged, *credentials);
  fill_from(merged, *variables);
  if (auto ok = check_identity(merged); !ok) return ok.error();
  return merged;
}

}  // namespace recount::agent
