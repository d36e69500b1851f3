// A real Mosquitto broker on a free loopback port, started and stopped by a test.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace recount::testing {

// Owns one mosquitto process and its config in a temporary directory. stop() and start() keep
// the port, so clients can reconnect to "the same broker" after an outage. Not thread-safe.
class Mosquitto {
 public:
  // Starts at once; throws if mosquitto does not accept connections within 10 s.
  Mosquitto();
  ~Mosquitto();

  int port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  void stop();   // SIGTERM, as an orderly broker restart
  void start();  // starts again on the same port
  bool running() const { return process_ != nullptr; }
  // SIGSTOP / SIGCONT: the broker keeps its sockets open but answers nothing, like a hung peer.
  void freeze();
  void thaw();
  std::string log() const;

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace recount::testing
