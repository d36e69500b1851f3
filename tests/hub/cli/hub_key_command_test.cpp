// recountctl hub-key: the public half of the hub's signing key, made on first use.
#include "hub/cli/hub_key_command.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "hub/daemon/signing_key.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {

TEST_CASE("hub-key prints the public key of the key the hub signs with, made once") {
  testing::TempDir dir;
  const auto printed = hub_key_command(dir.path());
  REQUIRE(printed.exit_code == 0);
  CHECK(printed.out.starts_with("-----BEGIN PUBLIC KEY-----"));
  const auto key = load_signing_key(dir.path());
  REQUIRE(key);
  CHECK(crypto::PublicKey::from_pem(printed.out).value() == key->public_key());
  CHECK(hub_key_command(dir.path()).out == printed.out);  // the same key every time
}

TEST_CASE("hub-key without a data directory, or with a damaged key file, fails naming the problem") {
  CHECK(hub_key_command("").exit_code == kExitFailed);
  CHECK(hub_key_command("").err.find("--data DIR") != std::string::npos);
  testing::TempDir dir;
  std::ofstream(dir / kSigningKeyFile) << "not a key\n";
  const auto broken = hub_key_command(dir.path());
  CHECK(broken.exit_code == kExitFailed);
  CHECK(broken.err.find(kSigningKeyFile) != std::string::npos);
}

}  // namespace recount::hub
