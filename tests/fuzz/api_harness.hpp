// The hub's whole HTTP API without a socket, for api_fuzz and its corpus's regression test:
// requests routed as the server routes them (HubDaemon::router), sent by an admin, on a real
// SQLite ledger that ingest seeded with counts off by a few units, a conflicting resend and an
// unknown barcode, so routes that take an id find one. Import bodies are read as the server hands
// over a small one (Request::body).
//
// An input is one request: "METHOD TARGET" on its first line, the rest its body.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "hub/daemon/hub_daemon.hpp"
#include "hub/ledger/ledger.hpp"
#include "tests/fuzz/harness_dir.hpp"
#include "tests/fuzz/ingest_harness.hpp"

namespace recount::fuzz {

// Counts of SKU-1 at A-1 (3, where nothing was received), a resend of seq 2 that differs (a
// conflict) and a scan of a barcode no catalog knows.
inline constexpr char kApiSeed[] =
    "\x00recount/v1/S1/d1/events\n"
    R"({"v":1,"site":"S1","device":"d1","epoch":"00000000000000e1","events":[)"
    R"({"seq":1,"event_id":"01a218f1-6538-7518-ac52-000000000001","type":"count","wall_ms":1795714803001,)"
    R"("hlc":117683965329473536,"user":"u-1","location":"A-1","sku":"SKU-1","qty":3},)"
    R"({"seq":2,"event_id":"01a218f1-6538-7518-ac52-000000000002","type":"count","wall_ms":1795714803002,)"
    R"("hlc":117683965329539072,"user":"u-1","location":"A-2","sku":"SKU-2","qty":7},)"
    R"({"seq":3,"event_id":"01a218f1-6538-7518-ac52-000000000003","wall_ms":1795714803003,)"
    R"("hlc":117683965329604608,"type":"unknown_barcode","user":"u-1","location":"A-3","barcode":"04006381333931","qty":1}]})"
    "\n\x1e\n"
    "\x00recount/v1/S1/d1/events\n"
    R"({"v":1,"site":"S1","device":"d1","epoch":"00000000000000e1","events":[)"
    R"({"seq":2,"event_id":"01a218f1-6538-7518-ac52-000000000002","type":"count","wall_ms":1795714803002,)"
    R"("hlc":117683965329539072,"user":"u-1","location":"A-2","sku":"SKU-2","qty":70}]})";

// One hub: the daemon created on the seeded ledger, never started (no broker, no HTTP server).
// Not thread-safe.
class ApiHarness {
 public:
  ApiHarness() : data_dir_(seed_.directory() / "hub") {
    seed_.run(std::string_view(kApiSeed, sizeof kApiSeed - 1));
    std::filesystem::create_directories(data_dir_);
    hub::HubOptions options;
    options.mqtt_uri = "tcp://127.0.0.1:1";
    auto daemon = hub::HubDaemon::create(io_, seed_.ledger(), data_dir_, std::move(options));
    if (!daemon) harness_failed("api", "cannot create the hub: " + daemon.error().describe());
    daemon_ = std::move(*daemon);
  }

  // "" when the hub answered `input` as it promises any client: no exception, no 5xx but 503,
  // a JSON body (none with 204) and a 4xx that names its problem; else what broke.
  std::string problem(std::string_view input) {
    const auto line_end = input.find('\n');
    const std::string_view line = input.substr(0, line_end);
    const std::string body(line_end == std::string_view::npos ? std::string_view() : input.substr(line_end + 1));
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return {};
    const std::string method(line.substr(0, space));
    auto request = hub::Request::from_target(method, line.substr(space + 1), body);
    if (!request) return request.error().field == "target" ? "" : "a target refused without naming it";
    // Larger bodies get 413 from the server before they are read.
    if (body.size() > hub::kDefaultBodyBytes &&
        daemon_->router().body_limit(request->method, request->path) == hub::BodyLimit::kDefault) {
      return {};
    }
    request->principal = hub::auth::Principal{"fuzz", hub::auth::Role::kAdmin, std::nullopt};
    request->client_address = "127.0.0.1";
    hub::Response response;
    try {
      response = daemon_->router().handle(std::move(*request));
    } catch (const std::exception& error) {
      return method + " " + std::string(line.substr(space + 1)) + " threw: " + error.what();
    }
    // What a handler posted (a catalog sent, a task list) runs as it would between requests.
    for (int round = 0; round < 1'000; ++round) {
      io_.restart();
      if (io_.poll() == 0) break;
    }
    if (auto found = response_problem(response); !found.empty()) {
      return method + " " + std::string(line.substr(space + 1)) + ": " + found;
    }
    return {};
  }

  // "" when the audit chain verifies after every request so far (IngestHarness::chain_problem).
  std::string chain_problem() { return seed_.chain_problem(); }

 private:
  static std::string response_problem(const hub::Response& response) {
    if (response.live != nullptr) return {};
    if (response.status >= 500 && response.status != 503) {
      return "answered " + std::to_string(response.status) + ": " + response.body;
    }
    if (response.status == 204) return response.body.empty() ? "" : "a body with 204";
    for (const auto& [name, value] : response.headers) {
      if (name == "Content-Type") return {};  // a console asset, not JSON
    }
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_discarded()) return "a body that is not JSON: " + response.body.substr(0, 200);
    // A 503 is the health check's or an error's.
    if (response.status >= 400 && response.status < 500) {
      const auto error = json.is_object() ? json.value("error", nlohmann::json()) : nlohmann::json();
      const auto message = error.is_object() ? error.value("message", nlohmann::json()) : nlohmann::json();
      if (!error.is_object() || !error.value("code", nlohmann::json()).is_string() || !message.is_string() ||
          message.get<std::string>().empty()) {
        return "an error without a code and a message: " + response.body.substr(0, 200);
      }
    }
    return {};
  }

  IngestHarness seed_;
  std::filesystem::path data_dir_;
  boost::asio::io_context io_;
  std::unique_ptr<hub::HubDaemon> daemon_;
};

}  // namespace recount::fuzz
