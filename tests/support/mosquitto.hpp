// A real Mosquitto broker on a free loopback port, started and stopped by a test: open (anonymous,
// plain TCP) for most tests, or locked down as docs/broker/ describes (TLS, passwords, client
// certificates and the shipped ACL) for the security tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace recount::testing {

enum class BrokerSecurity {
  kOpen,    // one plain listener, anonymous clients welcome
  kLocked,  // TLS only, allow_anonymous false, a password file and docs/broker/acl
};

struct ClientCertificate {
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

// Owns one mosquitto process and its config in a temporary directory. stop() and start() keep
// the ports, so clients can reconnect to "the same broker" after an outage. Not thread-safe.
//
// kLocked makes, with `openssl` at construction, a CA and a broker certificate for localhost and
// 127.0.0.1, a second CA nobody trusts, and a broker certificate for another host name; it serves
// three TLS listeners: passwords (uri()), client certificates whose CN is the user name
// (certificate_uri()), and passwords with the other host's certificate (mismatched_uri()). The
// password file starts empty and the ACL is a copy of docs/broker/acl; reload() after editing.
class Mosquitto {
 public:
  // Starts at once; throws if mosquitto does not accept connections within 10 s or openssl fails.
  explicit Mosquitto(BrokerSecurity security = BrokerSecurity::kOpen);
  ~Mosquitto();

  int port() const { return port_; }
  // tcp://127.0.0.1:PORT, or mqtts://127.0.0.1:PORT for kLocked's password listener.
  std::string uri() const;

  // kLocked only.
  std::string certificate_uri() const { return "mqtts://127.0.0.1:" + std::to_string(certificate_port_); }
  std::string mismatched_uri() const { return "mqtts://127.0.0.1:" + std::to_string(mismatched_port_); }
  std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }
  std::filesystem::path other_ca_file() const { return dir_ / "other-ca.pem"; }
  std::filesystem::path password_file() const { return dir_ / "mosquitto.passwd"; }
  std::filesystem::path acl_file() const { return dir_ / "mosquitto.acl"; }
  // Adds a user with `mosquitto_passwd -b` (the broker's own tool) and reloads.
  void add_user(const std::string& name, const std::string& password);
  // A client certificate signed by the broker's CA with CN `common_name`.
  ClientCertificate issue_client_certificate(const std::string& common_name);
  // SIGHUP: the broker re-reads its password and ACL files soon after; it tells nobody when, so
  // clients of the new credentials connect by retrying (as the real ones do).
  void reload();

  void stop();   // SIGTERM, as an orderly broker restart
  void start();  // starts again on the same ports
  bool running() const { return process_ != nullptr; }
  // SIGSTOP / SIGCONT: the broker keeps its sockets open but answers nothing, like a hung peer.
  void freeze();
  void thaw();
  std::string log() const;

 private:
  void write_locked_config();

  TempDir dir_;
  BrokerSecurity security_;
  int port_;
  int certificate_port_ = 0;
  int mismatched_port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace recount::testing
