// Where `recount-agent run` takes its identity, link and hub key from: the credentials directory's
// bundle and the environment, the precedence flags > credentials > environment, and refusals of
// secrets every user can read.
#include "agent/config/provisioning.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "shared/protocol/device_bundle.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using std::filesystem::perms;

Environment environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::filesystem::path write(const std::filesystem::path& file, const std::string& contents, perms mode) {
  std::ofstream(file) << contents;
  std::filesystem::permissions(file, mode);
  return file;
}

constexpr perms kOwnerRead = perms::owner_read | perms::owner_write;
constexpr perms kEveryoneRead = kOwnerRead | perms::group_read | perms::others_read;

protocol::DeviceBundle bundle(const crypto::SigningKey& hub) {
  protocol::DeviceBundle bundle;
  bundle.site = "s1";
  bundle.device = "d7";
  bundle.broker = "mqtts://broker.example:8883";
  bundle.ca_pem = "BUNDLE CA";
  bundle.username = "s1.d7";
  bundle.password = "bundle-password";
  bundle.hub_key_pem = hub.public_key().pem();
  return bundle;
}

// A credentials directory as systemd's LoadCredential= makes it, holding `the_bundle`.
std::filesystem::path credentials(const testing::TempDir& dir, const protocol::DeviceBundle& the_bundle) {
  auto credentials = dir / "credentials";
  std::filesystem::create_directory(credentials);
  write(credentials / kBundleCredential, protocol::encode_bundle(the_bundle), perms::owner_read);
  return credentials;
}

TEST_CASE("provisioning: the credentials' bundle gives site, device, the whole link and the hub key") {
  testing::TempDir dir;
  const auto hub = crypto::SigningKey::generate();
  const auto resolved =
      resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", credentials(dir, bundle(hub)).string()}}));
  REQUIRE(resolved.has_value());
  CHECK(resolved->site == "s1");
  CHECK(resolved->device == "d7");
  CHECK(resolved->identity_origin == "credential recount-device-bundle");
  CHECK(resolved->link.uri == "mqtts://broker.example:8883");
  CHECK(resolved->link.ca_pem == "BUNDLE CA");
  CHECK(resolved->link.username == "s1.d7");
  CHECK(resolved->link.password == "bundle-password");
  REQUIRE(resolved->hub_key.has_value());
  CHECK(*resolved->hub_key == hub.public_key());
  CHECK_FALSE(resolved->hub_key_file.has_value());
}

TEST_CASE("provisioning: the environment alone provisions a device, reading the files it names") {
  testing::TempDir dir;
  const auto password = write(dir / "password", "env-password\nignored\n", kOwnerRead);
  const auto ca = write(dir / "ca.pem", "ENV CA", kEveryoneRead);
  const auto resolved = resolve_provisioning({}, environment_of({{"RECOUNT_SITE", "s2"},
                                                                 {"RECOUNT_DEVICE", "d2"},
                                                                 {"RECOUNT_BROKER", "mqtts://env.example:8883"},
                                                                 {"RECOUNT_MQTT_USERNAME", "s2.d2"},
                                                                 {"RECOUNT_MQTT_PASSWORD_FILE", password.string()},
                                                                 {"RECOUNT_MQTT_CA", ca.string()},
                                                                 {"RECOUNT_HUB_KEY", "/etc/recount/hub.pem"}}));
  REQUIRE(resolved.has_value());
  CHECK(resolved->site == "s2");
  CHECK(resolved->device == "d2");
  CHECK(resolved->identity_origin == "RECOUNT_SITE/RECOUNT_DEVICE");
  CHECK(resolved->link.uri == "mqtts://env.example:8883");
  CHECK(resolved->link.username == "s2.d2");
  CHECK(resolved->link.password == "env-password");
  CHECK(resolved->link.ca_pem == "ENV CA");
  CHECK(resolved->hub_key_file == std::filesystem::path("/etc/recount/hub.pem"));
}

TEST_CASE("provisioning: flags win over credentials, credentials over the environment, member by member") {
  testing::TempDir dir;
  const auto hub = crypto::SigningKey::generate();
  Provisioning flags;
  flags.device = "flagged";
  flags.link.password = "flag-password";
  const auto resolved =
      resolve_provisioning(flags, environment_of({{"CREDENTIALS_DIRECTORY", credentials(dir, bundle(hub)).string()},
                                                  {"RECOUNT_SITE", "env-site"},
                                                  {"RECOUNT_BROKER", "tcp://env.example:1883"},
                                                  {"RECOUNT_MQTT_USERNAME", "env-user"},
                                                  {"RECOUNT_HUB_KEY", (dir / "env-hub.pem").string()}}));
  REQUIRE(resolved.has_value());
  CHECK(resolved->site == "s1");  // the bundle's, over RECOUNT_SITE
  CHECK(resolved->device == "flagged");
  CHECK(resolved->identity_origin == "--site/--device");
  CHECK(resolved->link.uri == "mqtts://broker.example:8883");
  CHECK(resolved->link.username == "s1.d7");
  CHECK(resolved->link.password == "flag-password");
  CHECK(resolved->hub_key == hub.public_key());  // the bundle's key, over RECOUNT_HUB_KEY
  CHECK_FALSE(resolved->hub_key_file.has_value());

  flags.hub_key_file = dir / "flag-hub.pem";
  const auto with_key =
      resolve_provisioning(flags, environment_of({{"CREDENTIALS_DIRECTORY", (dir / "credentials").string()}}));
  REQUIRE(with_key.has_value());
  CHECK(with_key->hub_key_file == dir / "flag-hub.pem");
  CHECK_FALSE(with_key->hub_key.has_value());
  CHECK(with_key->hub_key_origin == "--hub-key");
}

TEST_CASE("provisioning: nothing given, nothing provisioned (an already provisioned data directory)") {
  const auto resolved = resolve_provisioning({}, environment_of({}));
  REQUIRE(resolved.has_value());
  CHECK_FALSE(resolved->site.has_value());
  CHECK_FALSE(resolved->device.has_value());
  CHECK(resolved->link.empty());
  CHECK_FALSE(resolved->hub_key.has_value());
  CHECK_FALSE(resolved->hub_key_file.has_value());
}

TEST_CASE("provisioning: a credential or secret file every user can read is refused, naming it") {
  testing::TempDir dir;
  const auto hub = crypto::SigningKey::generate();
  const auto directory = credentials(dir, bundle(hub));
  std::filesystem::permissions(directory / kBundleCredential, kEveryoneRead);
  const auto bundle_readable =
      resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", directory.string()}}));
  REQUIRE_FALSE(bundle_readable.has_value());
  CHECK(bundle_readable.error().field == "credential recount-device-bundle");
  CHECK(bundle_readable.error().message.find("readable by every user (mode 0644)") != std::string::npos);

  std::filesystem::permissions(directory / kBundleCredential, perms::owner_read | perms::group_read);
  CHECK(resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", directory.string()}})).has_value());
  write(directory / kKeyCredential, "KEY", kEveryoneRead);
  const auto key_readable = resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", directory.string()}}));
  REQUIRE_FALSE(key_readable.has_value());
  CHECK(key_readable.error().field == "credential recount-mqtt-key");

  for (const char* variable : {"RECOUNT_MQTT_PASSWORD_FILE", "RECOUNT_MQTT_KEY"}) {
    const auto secret = write(dir / "secret", "hunter2\n", kEveryoneRead);
    const auto refused = resolve_provisioning({}, environment_of({{variable, secret.string()}}));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().field == variable);
    CHECK(refused.error().message.find(secret.string()) != std::string::npos);
  }
}

TEST_CASE("provisioning: a client certificate and key come from their own credentials") {
  testing::TempDir dir;
  const auto hub = crypto::SigningKey::generate();
  const auto directory = credentials(dir, bundle(hub));
  write(directory / kCertCredential, "CLIENT CERT", perms::owner_read);
  write(directory / kKeyCredential, "CLIENT KEY", perms::owner_read);
  const auto resolved = resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", directory.string()}}));
  REQUIRE(resolved.has_value());
  CHECK(resolved->link.cert_pem == "CLIENT CERT");
  CHECK(resolved->link.key_pem == "CLIENT KEY");
}

TEST_CASE("provisioning: broken sources are refused, naming the credential or variable") {
  testing::TempDir dir;
  const auto directory = dir / "credentials";
  std::filesystem::create_directory(directory);
  write(directory / kBundleCredential, R"({"v":1,"kind":"recount-device-bundle","site":"s1"})", perms::owner_read);
  const auto broken = resolve_provisioning({}, environment_of({{"CREDENTIALS_DIRECTORY", directory.string()}}));
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().field.rfind("credential recount-device-bundle", 0) == 0);

  const auto bad_site = resolve_provisioning({}, environment_of({{"RECOUNT_SITE", "no spaces please"}}));
  REQUIRE_FALSE(bad_site.has_value());
  CHECK(bad_site.error().field == "RECOUNT_SITE/RECOUNT_DEVICE.site");

  const auto missing = resolve_provisioning({}, environment_of({{"RECOUNT_MQTT_CA", (dir / "nope.pem").string()}}));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().field == "RECOUNT_MQTT_CA");
  CHECK(missing.error().message.find("nope.pem") != std::string::npos);

  const auto empty = write(dir / "empty", "", kOwnerRead);
  const auto empty_password =
      resolve_provisioning({}, environment_of({{"RECOUNT_MQTT_PASSWORD_FILE", empty.string()}}));
  REQUIRE_FALSE(empty_password.has_value());
  CHECK(empty_password.error().field == "RECOUNT_MQTT_PASSWORD_FILE");
}

TEST_CASE("provisioning: an empty variable counts as unset") {
  const auto resolved = resolve_provisioning({}, environment_of({{"RECOUNT_SITE", ""}, {"CREDENTIALS_DIRECTORY", ""}}));
  REQUIRE(resolved.has_value());
  CHECK_FALSE(resolved->site.has_value());
}

}  // namespace
}  // namespace recount::agent
