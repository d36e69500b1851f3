// What tests of the HTTPS listener share: a CA and a server certificate for 127.0.0.1 and
// localhost, made with the openssl command at test time, and a second CA that signed nothing.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace recount::testing {

struct TestCertificates {
  std::filesystem::path certificate;  // the hub's, for 127.0.0.1 and localhost
  std::filesystem::path key;          // its private key
  std::filesystem::path authority;    // the CA that signed it
  std::filesystem::path stranger;     // a CA that signed nothing here
};

inline void openssl(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "openssl");
  const auto result = run_command(arguments);
  INFO("openssl " << arguments[1] << ": " << result.err);
  REQUIRE(result.exit_code == 0);
}

inline TestCertificates make_certificates(const std::filesystem::path& dir) {
  const auto file = [&](const std::string& name) { return (dir / name).string(); };
  for (const std::string ca : {"authority", "stranger"}) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             file(ca + ".key"), "-out", file(ca + ".pem"), "-subj", "/CN=recount test " + ca, "-days", "2"});
  }
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", file("hub.key"),
           "-out", file("hub.csr"), "-subj", "/CN=recount-hub"});
  std::ofstream(dir / "hub.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  openssl({"x509", "-req", "-in", file("hub.csr"), "-CA", file("authority.pem"), "-CAkey", file("authority.key"),
           "-CAcreateserial", "-out", file("hub.pem"), "-days", "2", "-extfile", file("hub.ext")});
  return {dir / "hub.pem", dir / "hub.key", dir / "authority.pem", dir / "stranger.pem"};
}

}  // namespace recount::testing
