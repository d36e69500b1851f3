// Driving the real executables.
#include "tests/support/agents.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <random>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "shared/crypto/ed25519.hpp"
#include "shared/protocol/signed_payload.hpp"

namespace recount::testing {
namespace {

nlohmann::json run_json(const std::vector<std::string>& argv) {
  auto result = run_command(argv);
  INFO(argv[1] << " failed: " << result.err);
  REQUIRE(result.exit_code == 0);
  auto parsed = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  return parsed;
}

}  // namespace

nlohmann::json agent_status(const std::filesystem::path& data_dir) {
  return run_json({RECOUNT_AGENT_BIN, "status", "--data", data_dir.string(), "--json"});
}

nlohmann::json agent_journal(const std::filesystem::path& data_dir) {
  return run_json({RECOUNT_AGENT_BIN, "journal", "--data", data_dir.string(), "--json"});
}

CommandResult agent_scan(const std::filesystem::path& data_dir, const std::string& script) {
  return run_command({RECOUNT_AGENT_BIN, "scan", "--data", data_dir.string(), "--repeat-window-ms", "0"}, script);
}

nlohmann::json retained_task_list(const Mosquitto& broker, const std::string& site) {
  const auto result = run_command({"mosquitto_sub", "-p", std::to_string(broker.port()), "-t",
                                   "recount/v1/" + site + "/tasks", "-C", "1", "-W", "10"},
                                  "", std::chrono::seconds(20));
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out);
}

std::string catalog_fixture(const std::string& name) {
  return std::string(RECOUNT_SOURCE_DIR) + "/tests/data/catalog/" + name;
}

void record_events(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                   std::size_t count, unsigned seed) {
  const auto lines = data_dir.string() + ".jsonl";
  write_event_lines(lines, count, seed);
  auto result = run_command(
      {RECOUNT_AGENT_BIN, "record", "--data", data_dir.string(), "--site", site, "--device", device, "--jsonl", lines});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
}

std::string create_token(const std::filesystem::path& data_dir, const std::string& name, const std::string& role,
                         const std::string& ledger_url) {
  std::filesystem::create_directories(data_dir);
  std::vector<std::string> argv{RECOUNTCTL_BIN, "--data", data_dir.string()};
  if (!ledger_url.empty()) argv.insert(argv.end(), {"--ledger", ledger_url});
  argv.insert(argv.end(), {"token", "create", "--name", name, "--role", role, "--json"});
  return run_json(argv).at("token").get<std::string>();
}

std::string signed_by_hub(const std::filesystem::path& hub_data_dir, const std::string& payload) {
  // The file hub/daemon/signing_key.hpp names.
  auto key = crypto::SigningKey::load(hub_data_dir / "hub-signing.key");
  INFO((key ? "" : key.error().describe()));
  REQUIRE(key);
  return protocol::sign_payload(payload, *key);
}

std::optional<ApiAnswer> api_get(const std::string& hub_url, const std::string& target) {
  const auto port = hub_url.substr(hub_url.rfind(':') + 1);
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code error;
  boost::asio::connect(socket, resolver.resolve("127.0.0.1", port, error), error);
  if (error) return std::nullopt;
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(request), error);
  std::string response;
  boost::asio::read(socket, boost::asio::dynamic_buffer(response), error);
  const auto space = response.find(' ');
  const auto body = response.find("\r\n\r\n");
  if (space == std::string::npos || body == std::string::npos) return std::nullopt;
  return ApiAnswer{static_cast<unsigned>(std::stoul(response.substr(space + 1, 3))),
                   nlohmann::json::parse(response.substr(body + 4), nullptr, false)};
}

Hub::Hub(const std::filesystem::path& data_dir, std::string broker_uri, std::vector<std::string> extra_arguments,
         const std::string& ledger_url, const std::string& token_name)
    : data_dir_(data_dir),
      broker_uri_(std::move(broker_uri)),
      extra_arguments_(std::move(extra_arguments)),
      key_file_(hub_key_file(data_dir)),
      http_port_(free_loopback_port()),
      token_(create_token(data_dir, token_name, "admin", ledger_url)) {
  if (!ledger_url.empty()) extra_arguments_.insert(extra_arguments_.end(), {"--ledger", ledger_url});
  restart();
}

Hub::~Hub() {
  if (process_) process_->kill_hard();
}

void Hub::respawn() {
  process_.reset();
  ++launches_;
  std::vector<std::string> argv{RECOUNT_HUB_BIN,
                                "--data",
                                data_dir_.string(),
                                "--mqtt",
                                broker_uri_,
                                "--http",
                                "127.0.0.1:" + std::to_string(http_port_)};
  argv.insert(argv.end(), extra_arguments_.begin(), extra_arguments_.end());
  process_ = std::make_unique<Process>(std::move(argv), data_dir_.string() + "-hub-" + std::to_string(launches_));
}

void Hub::wait_until_serving() {
  if (!wait_for_port(http_port_, std::chrono::seconds(20))) {
    throw std::runtime_error("recount-hub did not start: " + process_->errors());
  }
}

int Hub::stop() { return process_->stop(SIGTERM); }

void Hub::restart() {
  respawn();
  wait_until_serving();
}

nlohmann::json Hub::stats() const {
  return run_json({RECOUNTCTL_BIN, "--hub", url(), "--token", token_, "stats", "--json"});
}

AgentDaemon::AgentDaemon(const std::filesystem::path& data_dir, const std::string& broker_uri,
                         const std::filesystem::path& hub_key_file)
    : process_(
          std::make_unique<Process>(std::vector<std::string>{RECOUNT_AGENT_BIN, "run", "--data", data_dir.string(),
                                                             "--mqtt", broker_uri, "--hub-key", hub_key_file.string()},
                                    data_dir.string() + "-agent")) {}

int AgentDaemon::stop() { return process_->stop(SIGTERM); }

}  // namespace recount::testing
