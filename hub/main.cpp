// recount-hub: ingests device events over MQTT into the ledger and serves the HTTP API until
// SIGTERM or SIGINT, then stops orderly. Prints one "ready" line once it is connected.
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "hub/daemon/data_dir_lock.hpp"
#include "hub/daemon/hub_daemon.hpp"
#include "hub/http/address.hpp"
#include "hub/ledger/ledger.hpp"

namespace {

int fail(const std::string& message) {
  std::cerr << "recount-hub: " << message << '\n';
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace recount;
  CLI::App app{"recount-hub: the central ledger. Ingests device events over MQTT and serves the HTTP API."};
  std::string data_dir;
  hub::HubOptions options;
  std::string http;
  app.add_option("--data", data_dir, "Directory of the hub's database (created if missing)")->required();
  app.add_option("--mqtt", options.mqtt_uri, "Broker URI, e.g. tcp://127.0.0.1:1883")->required();
  app.add_option("--http", http, "Serve the HTTP API on host:port (port 0: any free port); none: no API");
  app.add_option("--policy", options.policy_file,
                 "Reconciliation policy (JSON, docs/reconciliation.md) to put in force; default: the one in force");
  app.add_option("--client-id", options.client_id, "MQTT client id of the hub")->capture_default_str();
  app.add_option("--max-unreconciled", options.ingest.max_unreconciled_events,
                 "While batches queue up, reconciliation may trail the acks by this many events (0: apply every "
                 "batch in the commit that stores it)")
      ->capture_default_str();
  // Durations with a unit (30s, 90m, 1h, 60d), kept in milliseconds.
  const auto duration = CLI::AsNumberWithUnit(
      std::map<std::string, std::int64_t>{{"ms", 1}, {"s", 1'000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}},
      CLI::AsNumberWithUnit::UNIT_REQUIRED);
  app.add_option("--max-clock-ahead", options.ingest.clock.max_ahead_ms,
                 "An event stamped this far after its arrival is flagged and reconciled at its arrival (default 1h)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  app.add_option("--max-clock-behind", options.ingest.clock.max_behind_ms,
                 "An event stamped this far before its arrival is flagged and reconciled at its arrival (default 60d)")
      ->transform(duration)
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (!http.empty()) {
    auto address = hub::parse_host_port("--http", http);
    if (!address) return fail(address.error().describe());
    options.http = *address;
  }
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return fail("cannot create the data directory " + data_dir + ": " + error.message());
  auto lock = hub::DataDirLock::acquire(data_dir);
  if (!lock) return fail(lock.error().describe());
  auto ledger = hub::Ledger::open(hub::Ledger::file_in(data_dir));
  if (!ledger) return fail(ledger.error().describe());

  boost::asio::io_context io;
  auto daemon = hub::HubDaemon::create(io, *ledger, options);
  if (!daemon) return fail(daemon.error().describe());
  const auto api = (*daemon)->http_address();
  (*daemon)->start([&] {
    std::cout << "recount-hub ready mqtt=" << options.mqtt_uri
              << " http=" << (api ? "http://" + api->to_string() : std::string("off")) << " data=" << data_dir
              << std::endl;
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& waited, int) {
    if (!waited) (*daemon)->shutdown([&] { io.stop(); });
  });
  io.run();
  return 0;
}
