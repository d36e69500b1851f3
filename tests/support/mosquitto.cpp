// Test broker.
#include "tests/support/mosquitto.hpp"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace recount::testing {
namespace {

// Mosquitto drops to the `mosquitto` user before it opens the files its configuration names, so
// they must be readable by others (research/broker-security.md).
void make_readable(const std::filesystem::path& path) {
  using std::filesystem::perms;
  const auto mode =
      std::filesystem::is_directory(path)
          ? perms::owner_all | perms::group_read | perms::group_exec | perms::others_read | perms::others_exec
          : perms::owner_read | perms::owner_write | perms::group_read | perms::others_read;
  std::filesystem::permissions(path, mode);
}

// A P-256 key and a certificate for `subject` signed by the CA in `dir` (named `name`.pem/.key),
// with `san` as its subjectAltName when given.
void issue(const std::filesystem::path& dir, const std::string& ca, const std::string& name, const std::string& subject,
           const std::string& san) {
  const auto key = (dir / (name + ".key")).string();
  const auto csr = (dir / (name + ".csr")).string();
  run_or_throw({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", subject, "-keyout", key, "-out", csr});
  std::vector<std::string> sign{"openssl",
                                "x509",
                                "-req",
                                "-in",
                                csr,
                                "-CA",
                                (dir / (ca + ".pem")).string(),
                                "-CAkey",
                                (dir / (ca + ".key")).string(),
                                "-CAcreateserial",
                                "-days",
                                "2",
                                "-out",
                                (dir / (name + ".pem")).string()};
  if (!san.empty()) {
    std::ofstream(dir / (name + ".ext")) << "subjectAltName=" << san << "\n";
    sign.insert(sign.end(), {"-extfile", (dir / (name + ".ext")).string()});
  }
  run_or_throw(sign);
  make_readable(dir / (name + ".pem"));
  make_readable(dir / (name + ".key"));
}

void make_ca(const std::filesystem::path& dir, const std::string& name) {
  run_or_throw({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=" + name, "-keyout", (dir / (name + ".key")).string(), "-out",
                (dir / (name + ".pem")).string()});
  make_readable(dir / (name + ".pem"));
}

}  // namespace

Mosquitto::Mosquitto(BrokerSecurity security) : security_(security), port_(free_loopback_port()) {
  if (security_ == BrokerSecurity::kLocked) {
    write_locked_config();
  } else {
    std::ofstream config(dir_ / "mosquitto.conf");
    // No persistence: a restart is a clean broker, the hardest case for clients (sessionPresent=0).
    // Large queues so the tests measure our protocol, not the broker's 1000-message default;
    // Nagle off, as docs/broker/mosquitto.conf has it.
    config << "listener " << port_ << " 127.0.0.1\n"
           << "allow_anonymous true\n"
           << "persistence false\n"
           << "max_queued_messages 100000\n"
           << "max_inflight_messages 100\n"
           << "set_tcp_nodelay true\n"
           << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
           << "log_type error\nlog_type warning\nlog_type notice\n";
  }
  start();
}

void Mosquitto::write_locked_config() {
  certificate_port_ = free_loopback_port({port_});
  mismatched_port_ = free_loopback_port({port_, certificate_port_});
  const auto& dir = dir_.path();
  make_readable(dir);
  make_ca(dir, "ca");
  make_ca(dir, "other-ca");
  issue(dir, "ca", "broker", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
  issue(dir, "ca", "elsewhere", "/CN=broker.elsewhere.example", "DNS:broker.elsewhere.example");
  std::ofstream(password_file()).close();
  // The broker writes its log as the mosquitto user.
  std::ofstream(dir / "mosquitto.log").close();
  std::filesystem::permissions(dir / "mosquitto.log", std::filesystem::perms::all);
  std::filesystem::copy_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "docs/broker/acl", acl_file(),
                             std::filesystem::copy_options::overwrite_existing);
  make_readable(password_file());
  make_readable(acl_file());
  // The listeners of docs/broker/mosquitto.conf, on loopback ports and this directory's files.
  std::ofstream config(dir_ / "mosquitto.conf");
  config << "per_listener_settings true\n"
         << "persistence false\n"
         << "max_queued_messages 100000\n"
         << "max_inflight_messages 100\n"
         << "set_tcp_nodelay true\n"
         << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
         << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  auto listener = [&](int port, const std::string& certificate) {
    config << "\nlistener " << port << " 127.0.0.1\n"
           << "allow_anonymous false\n"
           << "acl_file " << acl_file().string() << "\n"
           << "cafile " << ca_file().string() << "\n"
           << "certfile " << (dir / (certificate + ".pem")).string() << "\n"
           << "keyfile " << (dir / (certificate + ".key")).string() << "\n";
  };
  listener(port_, "broker");
  config << "password_file " << password_file().string() << "\n";
  listener(certificate_port_, "broker");
  config << "require_certificate true\nuse_identity_as_username true\n";
  listener(mismatched_port_, "elsewhere");
  config << "password_file " << password_file().string() << "\n";
}

Mosquitto::~Mosquitto() { stop(); }

std::string Mosquitto::uri() const {
  return (security_ == BrokerSecurity::kLocked ? "mqtts://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(port_);
}

void Mosquitto::add_user(const std::string& name, const std::string& password) {
  run_or_throw({"mosquitto_passwd", "-b", password_file().string(), name, password});
  make_readable(password_file());
  reload();
}

ClientCertificate Mosquitto::issue_client_certificate(const std::string& common_name) {
  issue(dir_.path(), "ca", "client-" + common_name, "/CN=" + common_name, "");
  return {dir_ / ("client-" + common_name + ".pem"), dir_ / ("client-" + common_name + ".key")};
}

void Mosquitto::reload() {
  if (!process_) return;
  ::kill(process_->pid(), SIGHUP);
}

void Mosquitto::start() {
  if (process_) return;
  process_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto", "-c", (dir_ / "mosquitto.conf").string()},
                                       dir_ / "broker");
  const bool up = wait_for_port(port_, std::chrono::seconds(10)) &&
                  (certificate_port_ == 0 || wait_for_port(certificate_port_, std::chrono::seconds(10))) &&
                  (mismatched_port_ == 0 || wait_for_port(mismatched_port_, std::chrono::seconds(10)));
  if (!up) {
    process_.reset();
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ": " + log());
  }
}

void Mosquitto::stop() {
  if (!process_) return;
  thaw();
  process_->stop(SIGTERM);
  process_.reset();
}

void Mosquitto::freeze() {
  if (process_) ::kill(process_->pid(), SIGSTOP);
}

void Mosquitto::thaw() {
  if (process_) ::kill(process_->pid(), SIGCONT);
}

std::string Mosquitto::log() const { return read_file(dir_ / "mosquitto.log"); }

}  // namespace recount::testing
