// Helpers for tests that drive the real recount-agent, recount-hub and recountctl executables.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/event_lines.hpp"
#include "tests/support/hub_key.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {

// `recount-agent status --data DIR --json`, parsed; fails the test if the command fails.
nlohmann::json agent_status(const std::filesystem::path& data_dir);

// `recount-agent journal --data DIR --json`, parsed.
nlohmann::json agent_journal(const std::filesystem::path& data_dir);

// `recount-agent scan --data DIR --repeat-window-ms 0` in line mode, `script` on stdin.
CommandResult agent_scan(const std::filesystem::path& data_dir, const std::string& script);

// The retained task list of `site` on `broker`, as any device gets it (mosquitto_sub), parsed
// with its signature; fails the test if none arrives within 10 s.
nlohmann::json retained_task_list(const Mosquitto& broker, const std::string& site);

// The path of a catalog CSV under tests/data/catalog.
std::string catalog_fixture(const std::string& name);

// A GET of the hub's API at `hub_url` (Hub::url()) over a plain socket, without a token: its
// status and its body parsed (a discarded JSON value when it is none); nullopt when nothing
// answers.
struct ApiAnswer {
  unsigned status = 0;
  nlohmann::json body;
};
std::optional<ApiAnswer> api_get(const std::string& hub_url, const std::string& target);

// Records `count` events through `recount-agent record --jsonl`, creating the data directory.
void record_events(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                   std::size_t count, unsigned seed);

// `recountctl --data DIR [--ledger URL] token create --name NAME --role ROLE --json`: the new token.
std::string create_token(const std::filesystem::path& data_dir, const std::string& name, const std::string& role,
                         const std::string& ledger_url = "");

// `payload` (a JSON object) signed with the hub's key in `hub_data_dir`, as the hub signs the
// catalogs and task lists it publishes.
std::string signed_by_hub(const std::filesystem::path& hub_data_dir, const std::string& payload);

// A running recount-hub on a fresh HTTP port; waits for its ready line. `extra_arguments` go
// to every launch (e.g. {"--policy", FILE}); a `ledger_url` keeps its ledger in that PostgreSQL
// database (--ledger). Before the first launch it creates an admin token, `token_name`, for the
// tests to send (token names are unique in a ledger: several hubs on one need one each).
class Hub {
 public:
  Hub(const std::filesystem::path& data_dir, std::string broker_uri, std::vector<std::string> extra_arguments = {},
      const std::string& ledger_url = "", const std::string& token_name = "test-admin");
  ~Hub();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  const std::string& token() const { return token_; }
  // The hub's public key (PEM file), for AgentDaemon.
  const std::filesystem::path& key_file() const { return key_file_; }
  void kill_hard() { process_->kill_hard(); }
  bool running() { return process_->running(); }
  // What the running (or last) launch wrote to stderr so far.
  std::string errors() const { return process_->errors(); }
  int stop();      // SIGTERM; returns the exit code
  void restart();  // respawn() and wait_until_serving()
  // Starts it again without waiting (as systemd does), for a hub that waits for its ledger.
  void respawn();
  // Waits until its API listens; throws with its stderr when it does not within 20 s.
  void wait_until_serving();
  // `recountctl --hub URL --token TOKEN stats --json`, parsed: one object per device.
  nlohmann::json stats() const;

 private:
  std::filesystem::path data_dir_;
  std::string broker_uri_;
  std::vector<std::string> extra_arguments_;
  std::filesystem::path key_file_;
  int http_port_;
  std::string token_;
  int launches_ = 0;
  std::unique_ptr<Process> process_;
};

// A running `recount-agent run` for one data directory, provisioned with the hub's public key.
class AgentDaemon {
 public:
  AgentDaemon(const std::filesystem::path& data_dir, const std::string& broker_uri,
              const std::filesystem::path& hub_key_file);
  int stop();
  void kill_hard() { process_->kill_hard(); }
  // What the running (or last) launch wrote to stderr so far.
  std::string errors() const { return process_->errors(); }
  std::string output() const { return process_->output(); }  // its stdout so far

 private:
  std::unique_ptr<Process> process_;
};

}  // namespace recount::testing
