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
  std::filesystem::path elsewhere;    // signed by `authority` too, for elsewhere.example only
  std::filesystem::path elsewhere_key;
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
  const auto server = [&](const std::string& name, const std::string& names) {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             file(name + ".key"), "-out", file(name + ".csr"), "-subj", "/CN=" + name});
    std::ofstream(dir / (name + ".ext")) << "subjectAltName=" << names << "\n";
    openssl({"x509", "-req", "-in", file(name + ".csr"), "-CA", file("authority.pem"), "-CAkey", file("authority.key"),
             "-CAcreateserial", "-out", file(name + ".pem"), "-days", "2", "-extfile", file(name + ".ext")});
  };
  server("hub", "IP:127.0.0.1,DNS:localhost");
  server("elsewhere", "DNS:elsewhere.example");
  return {dir / "hub.pem",      dir / "hub.key",       dir / "authority.pem",
          dir / "stranger.pem", dir / "elsewhere.pem", dir / "elsewhere.key"};
}

}  // namespace recount::testing
