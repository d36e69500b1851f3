// The console's API at scale: a ledger of 100,000 discrepancies and 10M movements (made with SQL
// in one transaction), then p50/p99 of the queue (several filters and sorts, a first and a deep
// page) and of the detail route through the real HTTP server, beside the same rows read with a
// raw SQLite query on the same file: the machine's limit. Then the console's page weight: the bytes
// each page loads the first time, as the hub sends them (uncompressed) beside what gzip would make
// of them. docs/performance.md and docs/console.md explain the figures.
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bench/bench_support.hpp"
#include "hub/console/assets.hpp"
#include "hub/console/console_routes.hpp"
#include "hub/http/client.hpp"
#include "hub/http/discrepancy_query.hpp"
#include "hub/http/overview_routes.hpp"
#include "hub/http/reconcile_routes.hpp"
#include "hub/http/server.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/process.hpp"

namespace recount::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kBaseMs = 1'790'000'000'000;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Every position gets one discrepancy (three in ten still active, in the active states in turn),
// one count group with one count, two transitions and `per_position` movements, all in one
// transaction of INSERT … SELECT over recursive CTEs: the ledger's own write path stores one event
// at a time and would take hours for 10M movements.
void generate(storage::Connection& database, std::int64_t positions, std::int64_t per_position) {
  const std::string n = std::to_string(positions);
  const std::string base = std::to_string(kBaseMs);
  const std::string sql =
      "BEGIN;"
      "WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < " +
      n +
      ")"
      " INSERT INTO reconcile_positions (id, site, location, sku, lot, on_hand, movements)"
      " SELECT i, 'store-' || (i % 20), 'L-' || i, 'SKU-' || (i % 5000), '', " +
      std::to_string(per_position) + ", " + std::to_string(per_position) +
      " FROM p;"
      "WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < " +
      std::to_string(per_position) +
      ")"
      " INSERT INTO reconcile_movements (position_id, hlc, event_id, type, qty, delta, physical, wall_ms, device,"
      " user, reason, reference)"
      " SELECT p.id, ((" +
      base +
      " - 90 * 86400000 + k.j * 60000) << 16), 'm-' || p.id || '-' || k.j, 'receive', 1, 1,"
      " 1, " +
      base +
      " - 90 * 86400000 + k.j * 60000, 'hh-' || (p.id % 50), 'user-' || (p.id % 300), '', 'PO-1'"
      " FROM reconcile_positions p, k ORDER BY p.id, k.j;"
      "INSERT INTO reconcile_groups (id, position_id, task_id, session_key, counts, counted, first_hlc, last_hlc,"
      " closed_hlc, first_user, expected, role, verdict, variance, value_cents, discrepancy_id, received_ms,"
      " settled_ms) SELECT id, id, '', 'session:s-' || id, 1, 7, (" +
      base + " << 16), (" + base +
      " << 16), NULL,"
      " 'user-1', 10, 'count', 'out_of_tolerance', -3, -300, id, " +
      base + ", " + base +
      " FROM reconcile_positions;"
      "INSERT INTO reconcile_counts (event_id, group_id, hlc, wall_ms, qty, device, user, session, task_id, barcode)"
      " SELECT 'c-' || id, id, (" +
      base + " << 16), " + base +
      ", 7, 'hh-1', 'user-1', 's-' || id, '', '' FROM"
      " reconcile_positions;"
      "INSERT INTO reconcile_discrepancies (id, site, position_id, origin_group_id, group_id, state, classification,"
      " resolution, expected, counted, variance, value_cents, round, first_user, opened_ms, updated_ms, closed_ms,"
      " adjust_event_id, adjust_qty, adjust_value_cents, adjust_reason)"
      " SELECT id, site, id, id, id,"
      " CASE id % 10 WHEN 0 THEN 'recount_requested' WHEN 1 THEN 'awaiting_approval' WHEN 2 THEN 'awaiting_review'"
      " ELSE 'closed' END, CASE WHEN id % 13 = 0 THEN 'uom_error' ELSE 'variance' END,"
      " CASE WHEN id % 10 < 3 THEN 'none' ELSE 'adjusted' END, 10, 7, -3, ((id * 7919) % 200000) - 100000, 1,"
      " 'user-1', " +
      base + " - (id * 37 % 60) * 86400000 - id, " + base +
      " - (id * 37 % 60) * 86400000,"
      " CASE WHEN id % 10 < 3 THEN NULL ELSE " +
      base +
      " - (id * 37 % 60) * 86400000 + 3600000 END,"
      " '', CASE WHEN id % 10 < 3 THEN 0 ELSE -3 END, CASE WHEN id % 10 < 3 THEN 0 ELSE -300 END,"
      " CASE WHEN id % 10 < 3 THEN '' WHEN id % 3 = 0 THEN 'damage' ELSE 'shrinkage' END FROM reconcile_positions;"
      "INSERT INTO reconcile_transitions (discrepancy_id, seq, from_state, to_state, at_ms, actor_kind, actor, cause,"
      " cause_event_id) SELECT id, 1, '', 'open', opened_ms, 'user', 'user-1', 'variance: counted 7, ledger 10', 'c-'"
      " || id FROM reconcile_discrepancies;"
      "INSERT INTO reconcile_transitions (discrepancy_id, seq, from_state, to_state, at_ms, actor_kind, actor, cause,"
      " cause_event_id) SELECT id, 2, 'open', state, updated_ms, 'system', '', 'by the bench', '' FROM"
      " reconcile_discrepancies;"
      "COMMIT; ANALYZE;";
  if (auto ok = database.execute(sql); !ok) throw std::runtime_error("generating the ledger: " + ok.error().describe());
}

// Serves `router` on a thread of its own, every token an admin's.
class Server {
 public:
  explicit Server(const hub::Router& router) {
    hub::HttpServerOptions options;
    options.authenticate = [](std::string_view) -> Result<std::optional<hub::auth::Principal>> {
      return std::optional<hub::auth::Principal>(hub::auth::Principal{"bench", hub::auth::Role::kAdmin, std::nullopt});
    };
    server_ = hub::HttpServer::listen(io_, hub::HostPort{"127.0.0.1", 0}, router, options).value();
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Server() {
    boost::asio::post(io_, [this] { server_->stop(); });
    thread_.join();
  }
  hub::HubEndpoint endpoint() const {
    hub::HubEndpoint endpoint(server_->local_address());
    endpoint.token = "bench";
    return endpoint;
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<hub::HttpServer> server_;
  std::thread thread_;
};

// The size of `bytes` gzip-compressed at zlib's default level, as a server compressing on the fly
// would send them.
std::size_t gzip_bytes(std::string_view bytes) {
  z_stream stream{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int finished = deflate(&stream, Z_FINISH);
  const std::size_t size = stream.total_out;
  deflateEnd(&stream);
  if (finished != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return size;
}

// What a page's first load fetches: files and API answers, each GET once.
struct PageLoad {
  std::string name;
  std::vector<std::string> targets;
};

struct Case {
  std::string name;
  std::string target;   // through HTTP
  std::string raw_sql;  // the same rows, read straight from SQLite
};

int run(const Args& args) {
  const std::int64_t discrepancies = args.number("discrepancies", 100'000);
  const std::int64_t per_position = args.number("movements", 10'000'000) / discrepancies;
  const int requests = static_cast<int>(args.number("requests", 200));
  const Reporter report{std::to_string(discrepancies) + "d", args.flag("primary")};

  testing::TempDir dir;
  auto ledger = hub::Ledger::open(dir / "hub.db", system_wall_clock()).value();
  hub::reconcile::CatalogSnapshot catalog;
  auto reconciler = hub::reconcile::Reconciler::open(ledger.database(), catalog).value();
  const auto generation = Clock::now();
  generate(ledger.database(), discrepancies, per_position);
  report("console_generate_s", elapsed_ms(generation) / 1000.0, "s");

  auto queries = hub::reconcile::SqliteQueries::prepare(ledger.database()).value();
  hub::Router router;
  hub::add_reconcile_routes(router, queries, [] { return kBaseMs; });
  hub::add_overview_routes(router, queries, ledger, [] { return kBaseMs; });
  hub::console::add_console_routes(router, hub::console::embedded_assets());
  auto raw =
      storage::Database::open(dir / "hub.db", storage::OpenMode::kExistingOnly, storage::Durability::kNormal).value();

  const std::string select =
      "SELECT d.*, p.location, p.sku, p.lot FROM reconcile_discrepancies d JOIN reconcile_positions p ON"
      " p.id = d.position_id";
  const std::string deep = std::to_string(discrepancies / 4);
  const std::vector<Case> cases = {
      {"queue_open_first", "/api/v1/discrepancies?limit=50",
       select + " WHERE d.closed_ms IS NULL ORDER BY d.opened_ms, d.id LIMIT 50"},
      {"queue_open_deep", "/api/v1/discrepancies?limit=50&offset=" + std::to_string(discrepancies / 4),
       select + " WHERE d.closed_ms IS NULL ORDER BY d.opened_ms, d.id LIMIT 50 OFFSET " +
           std::to_string(discrepancies / 4)},
      {"queue_all_value_desc", "/api/v1/discrepancies?state=all&sort=-value&limit=50",
       select + " ORDER BY abs(d.value_cents) DESC, d.id DESC LIMIT 50"},
      {"queue_all_value_deep", "/api/v1/discrepancies?state=all&sort=-value&limit=50&offset=" + deep,
       select + " ORDER BY abs(d.value_cents) DESC, d.id DESC LIMIT 50 OFFSET " + deep},
      {"queue_site_min_value", "/api/v1/discrepancies?site=store-7&min_value_cents=50000&sort=-age&limit=50",
       select + " WHERE d.site = 'store-7' AND d.closed_ms IS NULL AND abs(d.value_cents) >= 50000"
                " ORDER BY d.opened_ms, d.id LIMIT 50"},
      {"queue_states_updated", "/api/v1/discrepancies?state=awaiting_approval,awaiting_review&sort=-updated&limit=50",
       select + " WHERE d.state IN ('awaiting_approval', 'awaiting_review') ORDER BY d.updated_ms DESC, d.id DESC"
                " LIMIT 50"},
      {"queue_closed_reason", "/api/v1/discrepancies?state=closed&reason=damage&limit=50",
       select + " WHERE d.closed_ms IS NOT NULL AND d.adjust_reason = 'damage' ORDER BY d.opened_ms, d.id LIMIT 50"},
  };
  // Where a queue request's time goes, on the route's own statements, before the server runs
  // (they share its connection): the page's rows, the count of every match (the answer's total),
  // and the JSON of the page.
  for (const Case& each : cases) {
    const auto request = hub::Request::from_target("GET", each.target, "").value();
    const auto query = hub::discrepancy_query_of(request, kBaseMs).value();
    std::vector<double> list_ms;
    std::vector<double> count_ms;
    std::vector<double> json_ms;
    for (int i = 0; i < requests; ++i) {
      auto start = Clock::now();
      const auto rows = queries.discrepancies(query).value();
      list_ms.push_back(elapsed_ms(start));
      start = Clock::now();
      (void)queries.discrepancy_count(query).value();
      count_ms.push_back(elapsed_ms(start));
      start = Clock::now();
      std::size_t bytes = 0;
      for (const auto& row : rows) bytes += hub::dump_json(hub::discrepancy_json(row, kBaseMs)).size();
      json_ms.push_back(elapsed_ms(start));
      if (bytes == 0 && !rows.empty()) throw std::runtime_error("no JSON");
    }
    report_latencies(report, "console_" + each.name + "_list", list_ms);
    report_latencies(report, "console_" + each.name + "_count", count_ms);
    report_latencies(report, "console_" + each.name + "_json", json_ms);
  }

  Server server(router);
  const auto endpoint = server.endpoint();
  for (const Case& each : cases) {
    std::vector<double> http_ms;
    std::vector<double> raw_ms;
    for (int i = 0; i < requests; ++i) {
      const auto start = Clock::now();
      const auto answer = hub::http_get(endpoint, each.target);
      http_ms.push_back(elapsed_ms(start));
      if (!answer || answer->status != 200) throw std::runtime_error(each.target + " failed");
      auto statement = raw.prepare(each.raw_sql).value();
      const auto raw_start = Clock::now();
      while (statement.step().value()) {
      }
      raw_ms.push_back(elapsed_ms(raw_start));
    }
    report_latencies(report, "console_" + each.name, http_ms);
    report_latencies(report, "console_" + each.name + "_raw", raw_ms);
    report("console_" + each.name + "_p99_ratio", quantile(http_ms, 0.99) / std::max(quantile(raw_ms, 0.99), 1e-3),
           "x");
  }

  // The detail: one discrepancy with its transitions, counts and a timeline of per_position movements.
  std::vector<double> detail_ms;
  std::vector<double> detail_raw_ms;
  for (int i = 0; i < requests; ++i) {
    const std::int64_t id = 1 + (static_cast<std::int64_t>(i) * 7919) % discrepancies;
    const auto start = Clock::now();
    const auto answer = hub::http_get(endpoint, "/api/v1/discrepancies/" + std::to_string(id));
    detail_ms.push_back(elapsed_ms(start));
    if (!answer || answer->status != 200) throw std::runtime_error("detail failed");
    auto statement = raw.prepare(
                            "SELECT m.*, e.received_ms FROM reconcile_movements m LEFT JOIN events e ON"
                            " e.event_id = m.event_id WHERE m.position_id = " +
                            std::to_string(id) + " ORDER BY m.hlc, m.event_id")
                         .value();
    const auto raw_start = Clock::now();
    while (statement.step().value()) {
    }
    detail_raw_ms.push_back(elapsed_ms(raw_start));
  }
  report_latencies(report, "console_detail", detail_ms);
  report_latencies(report, "console_detail_raw", detail_raw_ms);
  report("console_detail_p99_ratio", quantile(detail_ms, 0.99) / std::max(quantile(detail_raw_ms, 0.99), 1e-3), "x");

  // Page weight. app.js imports every page's module, so each page of the console loads the same
  // files (the shell) and then its own data; the login page is a page of its own. The figures
  // count response bodies, not headers, and not GET /api/v1/session (about 200 bytes).
  std::vector<std::string> shell;
  std::vector<std::string> login;
  for (const auto& asset : hub::console::embedded_assets()) {
    (asset.name.starts_with("login.") ? login : shell).push_back("/assets/" + std::string(asset.name));
  }
  const std::vector<PageLoad> pages = {
      {"login", login},
      {"shell", shell},
      {"overview_data", {"/api/v1/overview"}},
      {"queue_data", {"/api/v1/discrepancies?limit=50"}},
      {"detail_data", {"/api/v1/discrepancies/1"}},
      {"tasks_data", {"/api/v1/tasks?state=open"}},
  };
  for (const PageLoad& page : pages) {
    std::size_t raw_bytes = 0;
    std::size_t compressed = 0;
    const auto start = Clock::now();
    for (const std::string& target : page.targets) {
      // The overview computes its measures over every discrepancy: slow at full size in a debug build.
      const auto answer = hub::http_get(endpoint, target, std::chrono::minutes(5));
      if (!answer || answer->status != 200) {
        throw std::runtime_error(target + " failed: " + (answer ? answer->body : answer.error().describe()));
      }
      raw_bytes += answer->body.size();
      compressed += gzip_bytes(answer->body);
    }
    report("console_weight_" + page.name + "_ms", elapsed_ms(start), "ms");
    report("console_weight_" + page.name + "_bytes", static_cast<double>(raw_bytes), "bytes");
    report("console_weight_" + page.name + "_gzip_bytes", static_cast<double>(compressed), "bytes");
  }
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("console_bench", argc, argv, recount::bench::run); }
