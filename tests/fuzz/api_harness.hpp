// The hub's whole HTTP API without a socket, for api_fuzz and its corpus's regression test:
// requests routed as the server routes them (HubDaemon::router), sent by an admin, on a real
// SQLite ledger that ingest seeded with counts off by a few units, a conflicting resend and an
// unknown barcode, and that the API itself then gave a catalog, an FBA and a Shopify report that
// disagree with it, and alert rules (kApiSetUp), so routes that take an id find one. Import
// bodies are read as the server hands over a small one (Request::body).
//
// An input is one request: "METHOD TARGET" on its first line, the rest its body.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "hub/alerts/alert_engine.hpp"
#include "hub/daemon/hub_daemon.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
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

// What a hub gathers that the seed's events do not make, asked of the API as an operator would:
// the items, a report of each connected system that the ledger does not bear out (SKU-1 8 at
// Amazon, SKU-2 4 on Shopify, where the ledger has none: one discrepancy each, for the claim and
// correction routes), and alert rules, which the harness sweeps once as the daemon's timer would.
inline constexpr const char* kApiSetUp[] = {
    "POST /api/v1/import/items?delimiter=comma\n"
    "sku,description,unit_cost_cents,item_class,barcode,pack_qty\n"
    "SKU-1,Mug,250,grocery,5901234123457,1\n"
    "SKU-2,Cap,125,parts,INT-0002,1\n",
    "POST /api/v1/imports/fba?site=S1\n"
    "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code\tQuantity Available\n"
    "SKU-1\tX000000042\tB000000042\tNewItem\tSELLABLE\t8\n",
    "POST /api/v1/imports/shopify?site=S1&as_of=2026-11-01T06:00:00Z\n"
    "Handle,Title,Option1 Name,Option1 Value,SKU,Available\n"
    "cap,Cap,Title,Default Title,SKU-2,4\n",
    "PUT /api/v1/policy\n"
    R"({"ambiguity_window_ms":60000,"settle_delay_ms":0,"max_recount_rounds":2,"approval_limit_cents":10000,)"
    R"("tolerances":[],"alerts":[{"name":"any-discrepancy","kind":"discrepancy","channels":[{"type":"mqtt"}]},)"
    R"({"name":"over-a-dollar","kind":"discrepancy","value_over_cents":100,"states":["open","awaiting_review"],)"
    R"("channels":[{"type":"webhook"},{"type":"email","to":"finance@example.com"}]}]})"};

// One hub: the daemon created on the seeded ledger, never started (no broker, no HTTP server,
// no timers). Not thread-safe.
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
    for (const char* input : kApiSetUp) {
      auto request = request_of(input);
      const auto response = answer(std::move(**request));
      if (response.status != 200) {
        harness_failed("api", std::string(request_line(input)) + " answered " + std::to_string(response.status) + ": " +
                                  response.body);
      }
    }
    sweep_alerts();
  }

  // "" when the hub answered `input` as it promises any client: no exception, no 5xx but 503,
  // a JSON body (none with 204) and a 4xx that names its problem; else what broke.
  std::string problem(std::string_view input) {
    auto request = request_of(input);
    if (!request) return {};  // no "METHOD TARGET"
    if (!*request) return request->error().field == "target" ? "" : "a target refused without naming it";
    // Larger bodies get 413 from the server before they are read.
    if ((*request)->body.size() > hub::kDefaultBodyBytes &&
        daemon_->router().body_limit((*request)->method, (*request)->path) == hub::BodyLimit::kDefault) {
      return {};
    }
    hub::Response response;
    try {
      response = answer(std::move(**request));
    } catch (const std::exception& error) {
      return std::string(request_line(input)) + " threw: " + error.what();
    }
    if (auto found = response_problem(response); !found.empty()) {
      return std::string(request_line(input)) + ": " + found;
    }
    return {};
  }

  // "" when the audit chain verifies after every request so far (IngestHarness::chain_problem).
  std::string chain_problem() { return seed_.chain_problem(); }

 private:
  static std::string_view request_line(std::string_view input) { return input.substr(0, input.find('\n')); }

  // The request `input` holds, as the server would parse its target; nullopt without a space
  // between a method and a target.
  static std::optional<Result<hub::Request>> request_of(std::string_view input) {
    const std::string_view line = request_line(input);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::string body(line.size() == input.size() ? std::string_view() : input.substr(line.size() + 1));
    return hub::Request::from_target(std::string(line.substr(0, space)), line.substr(space + 1), body);
  }

  // `request` routed as an admin's, and then what its handler posted (a catalog sent, a task
  // list), as it would run between requests. Throws what the handler throws.
  hub::Response answer(hub::Request request) {
    request.principal = hub::auth::Principal{"fuzz", hub::auth::Role::kAdmin, std::nullopt};
    request.client_address = "127.0.0.1";
    auto response = daemon_->router().handle(std::move(request));
    for (int round = 0; round < 1'000; ++round) {
      io_.restart();
      if (io_.poll() == 0) break;
    }
    return response;
  }

  // Every alert rule evaluated against the discrepancies, as the started daemon's sweep does,
  // by an engine of the harness's own: the daemon's only sweeps once started.
  void sweep_alerts() {
    auto queries = hub::reconcile::SqliteQueries::prepare(seed_.ledger().database());
    if (!queries) harness_failed("api", "cannot read the ledger: " + queries.error().describe());
    auto engine = hub::alerts::AlertEngine::create(io_, seed_.ledger(), *queries, {},
                                                   [](mqtt::Message, const mqtt::Link::Completion&) {});
    if (!engine) harness_failed("api", "cannot open the alerts: " + engine.error().describe());
    if (auto swept = (*engine)->sweep(); !swept) harness_failed("api", "cannot sweep: " + swept.error().describe());
  }

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
