// Test broker.
#include "tests/support/mosquitto.hpp"

#include <signal.h>

#include <fstream>
#include <stdexcept>

namespace recount::testing {

Mosquitto::Mosquitto() : port_(free_loopback_port()) {
  std::ofstream config(dir_ / "mosquitto.conf");
  // No persistence: a restart is a clean broker, the hardest case for clients (sessionPresent=0).
  // Large queues so the tests measure our protocol, not the broker's 1000-message default.
  config << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous true\n"
         << "persistence false\n"
         << "max_queued_messages 100000\n"
         << "max_inflight_messages 100\n"
         << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
         << "log_type error\nlog_type warning\nlog_type notice\n";
  config.close();
  start();
}

Mosquitto::~Mosquitto() { stop(); }

void Mosquitto::start() {
  if (process_) return;
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"mosquitto", "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "broker");
  if (!wait_for_port(port_, std::chrono::seconds(10))) {
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
