// Mosquitto password and ACL files, edited one device at a time.
#include "hub/provision/broker_files.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "shared/crypto/pbkdf2.hpp"
#include "shared/crypto/random.hpp"
#include "tests/support/process.hpp"

namespace recount::hub {

TEST_CASE("a password line has mosquitto_passwd's $7$ format and verifies with PBKDF2-SHA512") {
  const auto line = mosquitto_password_line("S1.d1", "secret");
  REQUIRE(line.starts_with("S1.d1:$7$101$"));
  const auto salt_begin = std::string("S1.d1:$7$101$").size();
  const auto salt_end = line.find('$', salt_begin);
  const auto salt = crypto::base64_decode("salt", line.substr(salt_begin, salt_end - salt_begin)).value();
  CHECK(salt.size() == 12);
  CHECK(line.substr(salt_end + 1) == crypto::base64_encode(crypto::pbkdf2_sha512("secret", salt, 101, 64)));
  CHECK(mosquitto_password_line("S1.d1", "secret") != line);  // a fresh salt each time
}

TEST_CASE("a line written by mosquitto_passwd itself verifies with our PBKDF2") {
  testing::TempDir dir;
  std::ofstream(dir / "passwd").close();
  REQUIRE(testing::run_command({"mosquitto_passwd", "-b", (dir / "passwd").string(), "S1.d1", "secret"}).exit_code ==
          0);
  auto line = testing::read_file(dir / "passwd");
  line = line.substr(0, line.find('\n'));
  const auto parts_begin = std::string("S1.d1:$7$101$").size();
  REQUIRE(line.starts_with("S1.d1:$7$101$"));
  const auto salt_end = line.find('$', parts_begin);
  const auto salt = crypto::base64_decode("salt", line.substr(parts_begin, salt_end - parts_begin)).value();
  CHECK(line.substr(salt_end + 1) == crypto::base64_encode(crypto::pbkdf2_sha512("secret", salt, 101, 64)));
}

TEST_CASE("set_password adds, replaces and remove_password removes one user's line, keeping the others") {
  testing::TempDir dir;
  const auto file = dir / "passwd";
  std::ofstream(file) << "recount-hub:$7$101$x$y\n";
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  REQUIRE(set_password(file, "S1.d1", "one").has_value());
  const auto first = testing::read_file(file);
  REQUIRE(set_password(file, "S1.d1", "two").has_value());
  const auto second = testing::read_file(file);
  CHECK(second != first);
  CHECK(second.starts_with("recount-hub:$7$101$x$y\nS1.d1:$7$"));
  CHECK(std::count(second.begin(), second.end(), '\n') == 2);
  CHECK(
      std::filesystem::status(file).permissions() ==
      (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | std::filesystem::perms::group_read));
  REQUIRE(remove_password(file, "S1.d1").has_value());
  CHECK(testing::read_file(file) == "recount-hub:$7$101$x$y\n");
}

TEST_CASE("a device's ACL block is added once, replaced in place and removed, the rest stays") {
  testing::TempDir dir;
  const auto file = dir / "acl";
  std::ofstream(file) << "user recount-hub\ntopic readwrite recount/#\n";
  REQUIRE(set_device_acl(file, "S1", "d1").has_value());
  REQUIRE(set_device_acl(file, "S1", "d2").has_value());
  REQUIRE(set_device_acl(file, "S1", "d1").has_value());
  const auto text = testing::read_file(file);
  CHECK(text.find("topic write recount/v1/S1/d1/events\n") != std::string::npos);
  CHECK(text.find("topic read recount/v1/S1/catalog\n") != std::string::npos);
  CHECK(text.find("recount/v1/S1/d1/ack") != std::string::npos);
  CHECK(text.find("topic write recount/v1/S1/d1/ack") == std::string::npos);
  CHECK(text.find("# begin recount device S1.d1") == text.rfind("# begin recount device S1.d1"));
  REQUIRE(remove_device_acl(file, "S1", "d1").has_value());
  const auto after = testing::read_file(file);
  CHECK(after.find("S1.d1") == std::string::npos);
  CHECK(after.find("user S1.d2") != std::string::npos);
  CHECK(after.starts_with("user recount-hub\ntopic readwrite recount/#\n"));
}

TEST_CASE("editing a password or ACL file that does not exist is refused, naming the file") {
  testing::TempDir dir;
  const auto result = set_password(dir / "missing", "S1.d1", "x");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().describe().find("missing") != std::string::npos);
  CHECK_FALSE(set_device_acl(dir / "missing", "S1", "d1").has_value());
}

}  // namespace recount::hub
