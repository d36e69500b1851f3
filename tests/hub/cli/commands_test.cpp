// recountctl's commands as functions against an in-process hub API: tables and error answers.
#include "hub/cli/commands.hpp"

#include <doctest/doctest.h>

#include "hub/http/api.hpp"
#include "hub/http/reconcile_routes.hpp"
#include "hub/http/server.hpp"
#include "hub/reconcile/sqlite_queries.hpp"
#include "shared/crypto/ed25519.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/ledger_fixtures.hpp"
#include "tests/hub/serving_fixtures.hpp"
#include "tests/support/mqtt_fixtures.hpp"

namespace recount::hub {
namespace {

using testing::batch_of;
using testing::origin_of;
using testing::Serving;

// The real API over a ledger filled before the server starts (the server's thread then owns it).
struct ApiHub {
  testing::LedgerFixture store;
  boost::asio::io_context io;
  HybridLogicalClock clock;
  mqtt::Link link{io, testing::test_link_options("tcp://127.0.0.1:1", "commands-test")};
  reconcile::CatalogSnapshot catalog;
  reconcile::Reconciler reconciler = reconcile::Reconciler::open(store.ledger.database(), catalog).value();
  reconcile::SqliteQueries queries = reconcile::SqliteQueries::prepare(store.ledger.database()).value();
  crypto::SigningKey signing_key = crypto::SigningKey::generate();
  TaskListPublisher tasks{io, link, reconciler, signing_key};
  Ingest ingest{io, link, store.ledger, reconciler, tasks, clock};
  Router router;

  ApiHub() {
    add_api_routes(router, store.ledger, ingest, link);
    add_reconcile_routes(router, queries, system_wall_clock());
  }
};

DiscrepancyFilters all_states() {
  DiscrepancyFilters filters;
  filters.state = "all";
  return filters;
}

TEST_CASE("stats print a table with a row per device, in columns, with '-' for what is not known") {
  ApiHub hub;
  hub.store.apply(batch_of(origin_of("device-1"), 1, 12));
  hub.store.apply(batch_of(origin_of("hh-22", "00000000000000a2"), 1, 3, 2));
  Serving serving(hub.router);
  const auto output = stats_command(serving.hub(), OutputFormat::kTable);
  CHECK(output.exit_code == 0);
  CHECK(output.err.empty());
  CHECK(output.out ==
        "SITE    DEVICE    EPOCH             EVENTS  ACKED_THROUGH  DEAD_LETTERS  STATE  BACKLOG  LAST_SEEN\n"
        "site-1  device-1  00000000000000e1  12      12             0             -      -        "
        "2026-09-21T14:13:20.000Z\n"
        "site-1  hh-22     00000000000000a2  3       3              0             -      -        "
        "2026-09-21T14:13:20.000Z\n");
}

TEST_CASE("tasks and discrepancies of a hub without any say so instead of printing an empty table") {
  ApiHub hub;
  Serving empty(hub.router);
  CHECK(tasks_command(empty.hub(), OutputFormat::kTable, "").out == "no recount tasks\n");
  CHECK(discrepancies_command(empty.hub(), OutputFormat::kTable, {}).out == "no discrepancies\n");
}

TEST_CASE("a shortage sent to a recount shows in the tasks and discrepancies tables") {
  ApiHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  Serving serving(hub.router);
  CHECK(tasks_command(serving.hub(), OutputFormat::kTable, "site-1").out ==
        "TASK    SITE    LOCATION  SKU    ROUND  NOT_BY  STATE  ACKED_BY\n"
        "rt-1-1  site-1  A-1       SKU-1  1      user-1  open   -\n");
  CHECK(discrepancies_command(serving.hub(), OutputFormat::kTable, all_states()).out ==
        "ID  POSITION          STATE              EXPECTED  COUNTED  VARIANCE  ROUND\n"
        "1   site-1/A-1/SKU-1  recount_requested  10        7        -3        1\n");
}

TEST_CASE("the discrepancies command sends its filters to the queue and says which page it shows of how many") {
  CHECK(discrepancies_target({}) == "/api/v1/discrepancies?state=open");
  DiscrepancyFilters filters;
  filters.site = "site-1";
  filters.state = "awaiting_approval,awaiting_review";
  filters.min_value_cents = 100;
  filters.sort = "-value";
  filters.limit = 50;
  filters.offset = 100;
  CHECK(discrepancies_target(filters) ==
        "/api/v1/discrepancies?state=awaiting_approval%2Cawaiting_review&site=site-1&min_value_cents=100"
        "&sort=-value&limit=50&offset=100");
  ApiHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  Serving serving(hub.router);
  DiscrepancyFilters page = all_states();
  page.limit = 1;
  CHECK(discrepancies_command(serving.hub(), OutputFormat::kTable, page).out ==
        "ID  POSITION          STATE              EXPECTED  COUNTED  VARIANCE  ROUND\n"
        "1   site-1/A-1/SKU-1  recount_requested  10        7        -3        1\n"
        "1-1 of 1\n");
  DiscrepancyFilters unsorted;
  unsorted.sort = "price";
  const auto refused = discrepancies_command(serving.hub(), OutputFormat::kTable, unsorted);
  CHECK(refused.exit_code == kExitFailed);
  CHECK(refused.err.find("sort: must be opened") != std::string::npos);
}

TEST_CASE("positions and a position's history print as tables, the history with its judged counts") {
  ApiHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  Serving serving(hub.router);
  CHECK(positions_command(serving.hub(), OutputFormat::kTable, "site-1", "", 1000).out ==
        "POSITION          ON_HAND  MOVEMENTS\n"
        "site-1/A-1/SKU-1  10       1\n");
  CHECK(positions_command(serving.hub(), OutputFormat::kTable, "site-1", "SKU-9", 1000).out == "no positions\n");
  CHECK(positions_command(serving.hub(), OutputFormat::kTable, "", "", 1)
            .out.ends_with("(more: raise --limit or use the API's after=)\n"));
  const reconcile::PositionKey position{"site-1", "A-1", "SKU-1", ""};
  CHECK(history_command(serving.hub(), OutputFormat::kTable, position).out ==
        "site-1/A-1/SKU-1  on hand 10\n"
        "\n"
        "TIME                      TYPE      QTY  DELTA  BALANCE  DEVICE    USER    REASON  SESSION    TASK\n"
        "2026-09-21T14:12:20.001Z  baseline  10   10     10       device-1  user-1  -       -          -\n"
        "2026-09-21T14:12:20.002Z  count     7    0      10       device-1  user-1  -       session-1  -\n"
        "\n"
        "GROUP  COUNTER  TASK  COUNTED  EXPECTED  VARIANCE  VERDICT           ROLE   DISCREPANCY\n"
        "1      user-1   -     7        10        -3        out_of_tolerance  count  1\n");
  const auto json = nlohmann::json::parse(history_command(serving.hub(), OutputFormat::kJson, position).out);
  CHECK(json["entries"].size() == 2);
  CHECK(json["on_hand"] == 10);
}

TEST_CASE("the history of a position the hub does not know fails naming the position") {
  ApiHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  Serving serving(hub.router);
  const auto output = history_command(serving.hub(), OutputFormat::kTable, {"site-1", "A/9", "SKU-1", ""});
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("answered 404") != std::string::npos);
  CHECK(output.err.ends_with(": no position site-1/A%2F9/SKU-1 in the ledger\n"));
}

TEST_CASE("a discrepancy prints its figures and every transition with its time, actor, cause and event") {
  ApiHub hub;
  testing::deliver(hub.store.ledger, hub.reconciler, testing::shortage_events());
  Serving serving(hub.router);
  const auto output = discrepancy_command(serving.hub(), OutputFormat::kTable, 1);
  INFO(output.out);
  CHECK(output.exit_code == 0);
  CHECK(
      output.out.starts_with("discrepancy 1  site-1/A-1/SKU-1  recount_requested (variance, resolution none)\n"
                             "expected 10, counted 7, variance -3, value 0 cents, round 1, first counted by user-1\n"
                             "\n"
                             "AT                        FROM  TO                 BY           CAUSE"));
  CHECK(output.out.find("2026-09-21T14:13:20.000Z  -     open               user user-1  ") != std::string::npos);
  CHECK(output.out.find(testing::event_id_for(1, 2)) != std::string::npos);
  CHECK(output.out.find("TASK    ROUND  NOT_BY  STATE  ACKED_BY  CREATED\n"
                        "rt-1-1  1      user-1  open   -         2026-09-21T14:13:20.000Z\n") != std::string::npos);
  const auto missing = discrepancy_command(serving.hub(), OutputFormat::kJson, 7);
  CHECK(missing.exit_code == kExitFailed);
  CHECK(missing.err.ends_with(": no discrepancy 7\n"));
}

TEST_CASE("stats of a hub without devices say so instead of printing an empty table") {
  ApiHub hub;
  Serving serving(hub.router);
  CHECK(stats_command(serving.hub(), OutputFormat::kTable).out == "no devices have synced yet\n");
  CHECK(stats_command(serving.hub(), OutputFormat::kJson).out == "{\"devices\":[]}\n");
}

TEST_CASE("dead letters print a table with the device, seq, field and reason") {
  ApiHub hub;
  auto batch = batch_of(origin_of("device-1"), 1, 2);
  batch.events.pop_back();
  batch.rejected.push_back(DeadLetter{0, testing::kFixedNowMs, batch.topic, batch.origin, 2, "", "events[1].qty",
                                      "must be between 0 and 1000000000", "{}", 2});
  hub.store.apply(batch);
  Serving serving(hub.router);
  const auto output = dead_letters_command(serving.hub(), OutputFormat::kTable, "", 100);
  CHECK(output.exit_code == 0);
  CHECK(output.out ==
        "ID  RECEIVED                  DEVICE           SEQ  FIELD          REASON\n"
        "1   2026-09-21T14:13:20.000Z  site-1/device-1  2    events[1].qty  must be between 0 and 1000000000\n");
  CHECK(dead_letters_command(serving.hub(), OutputFormat::kTable, "device-9", 100).out == "no dead letters\n");
}

TEST_CASE("a device filter that is not an identifier is refused before the hub is asked") {
  const auto output = dead_letters_command(HostPort{"127.0.0.1", 1}, OutputFormat::kJson, "a&limit=5", 10);
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("--device") != std::string::npos);
}

TEST_CASE("an error answer from the hub is reported with its status and message, and exit 2") {
  Router empty;
  Serving serving(empty);
  const auto output = stats_command(serving.hub(), OutputFormat::kJson);
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.out.empty());
  CHECK(output.err == "recountctl: the hub at " + serving.hub().to_string() +
                          " answered 404 to /api/v1/stats: no such resource: /api/v1/stats\n");
}

TEST_CASE("an answer that is not JSON is reported as such") {
  Router odd;
  odd.add("GET", "/api/v1/stats", auth::Role::kViewer, [](const Request&) {
    return Response{200, "<html>proxy login</html>", {}};
  });
  Serving serving(odd);
  const auto output = stats_command(serving.hub(), OutputFormat::kTable);
  CHECK(output.exit_code == kExitFailed);
  CHECK(output.err.find("with no JSON") != std::string::npos);
}

}  // namespace
}  // namespace recount::hub
