// Baseline imports through their route, over a real ledger and reconciler in a temp directory:
// balances as of their time, idempotent re-imports, and files rejected whole with every line's
// error (fixtures in tests/data/baseline).
#include "hub/baseline/baseline_import.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hub/http/baseline_routes.hpp"
#include "shared/core/iso_time.hpp"
#include "shared/core/random_id.hpp"
#include "tests/hub/auth_fixtures.hpp"
#include "tests/hub/delivery_fixtures.hpp"
#include "tests/hub/write_fixtures.hpp"

namespace recount::hub {
namespace {

using Json = nlohmann::json;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(RECOUNT_SOURCE_DIR) + "/tests/data/baseline/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t at(const char* iso) { return parse_iso8601_ms("as_of", iso).value(); }

struct BaselineHub : testing::WriteSide {
  BaselineHub() { add_baseline_routes(router, writer, store.ledger); }

  Response post(std::string csv, const std::string& query = "") {
    return router.handle(
        testing::signed_in(Request::from_target("POST", "/api/v1/import/baseline" + query, std::move(csv)).value()));
  }
  Json imported(std::string csv, unsigned status = 200, const std::string& query = "") {
    const auto response = post(std::move(csv), query);
    INFO(response.body);
    CHECK(response.status == status);
    return Json::parse(response.body);
  }
  std::optional<std::int64_t> balance(const reconcile::PositionKey& position, std::int64_t ms) {
    return queries.expected(position, HlcStamp::from_parts(ms, 0xFFFF)).value();
  }
  std::vector<AuditEntry> audit() { return store.ledger.audit().entries(0, 1000).value(); }
};

const reconcile::PositionKey kA1Sku1{"site-1", "A-1", "SKU-1", ""};

TEST_CASE("a baseline file sets each position's balance as of its time, as hub events, in one audited import") {
  BaselineHub hub;
  const auto report = hub.imported(fixture("baseline.csv"));
  CHECK(report == Json{{"kind", "baseline"},
                       {"rows", 3},
                       {"stored", 3},
                       {"unchanged", 0},
                       {"delimiter", "comma"},
                       {"encoding", "utf-8"}});

  const std::int64_t as_of = at("2026-09-01T06:00:00+02:00");
  CHECK(hub.balance(kA1Sku1, as_of) == 10);
  CHECK(hub.balance(kA1Sku1, as_of - 1) == 0);  // the position exists, with nothing before the baseline
  CHECK(hub.balance({"site-1", "A-1", "SKU-2", "L-7"}, as_of) == 0);
  CHECK(hub.balance({"site-2", "B-3", "SKU-1", ""}, as_of + 500) == 25);
  CHECK(hub.balance({"site-2", "B-3", "SKU-1", ""}, as_of + 499) == 0);

  const auto stored = hub.store.ledger.events().find(baseline_event_id(kA1Sku1, as_of)).value();
  REQUIRE(stored.has_value());
  CHECK(stored->origin.device == Ledger::kHubDevice);
  CHECK(stored->origin.epoch == hub.store.ledger.hub_epoch());
  CHECK(stored->event.type == EventType::kBaseline);
  CHECK(stored->event.wall_ms == as_of);
  CHECK(stored->event.hlc == baseline_stamp(as_of));
  CHECK(stored->received_ms == testing::kFixedNowMs);
  CHECK(is_uuid(stored->event.event_id));

  const auto entries = hub.audit();
  REQUIRE_FALSE(entries.empty());
  CHECK(entries.back().kind == "baseline.import");
  const auto detail = Json::parse(entries.back().detail);
  CHECK(detail["stored"] == 3);
  CHECK(detail["sha256"].get<std::string>().size() == 64);
}

TEST_CASE("counts stamped before as_of are judged without the baseline, those at or after it against it") {
  BaselineHub hub;
  const std::int64_t as_of = testing::kFixedNowMs - 60'000;
  std::vector<Event> counts;
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    Event count = testing::count_event(seq, 1, 10);
    count.location = "A-1";
    count.sku = "SKU-1";
    count.session.clear();                                       // each count its own group
    count.wall_ms = as_of - 2 + static_cast<std::int64_t>(seq);  // one ms before as_of, at it, after it
    count.hlc = HlcStamp::from_parts(count.wall_ms, 0);
    counts.push_back(count);
  }
  testing::deliver(hub.store.ledger, hub.reconciler, counts);
  CHECK(hub.queries.discrepancies({}).value().size() == 1);  // nothing was expected: the newest count is 10 over

  // The baseline arrives after the counts and re-judges those at or after its time.
  hub.imported("site,location,sku,lot,quantity,as_of\nsite-1,A-1,SKU-1,,10,2026-09-21T14:12:20.000Z\n");
  const auto groups = hub.queries.counts(kA1Sku1).value();
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].expected == 0);
  CHECK(groups[1].expected == 10);
  CHECK(groups[2].expected == 10);
  CHECK(groups[2].verdict == reconcile::Verdict::kAccepted);
  // The newest count agrees now, so the discrepancy it drove closed by itself.
  CHECK(hub.queries.discrepancies({}).value().empty());
}

TEST_CASE("importing a file again doubles nothing, a stored baseline with another quantity rejects the file") {
  BaselineHub hub;
  hub.imported(fixture("baseline.csv"));
  const auto again = hub.imported(fixture("baseline.csv"));
  CHECK(again["stored"] == 0);
  CHECK(again["unchanged"] == 3);
  // The same position and time written another way (the offset) is the same baseline.
  const auto same = hub.imported(
      "site,location,sku,lot,quantity,as_of\nsite-1,A-1,SKU-1,,10,2026-09-01T04:00:00Z\n"
      "site-1,A-1,SKU-1,,12,2026-09-02T04:00:00Z\n");
  CHECK(same["stored"] == 1);
  CHECK(same["unchanged"] == 1);

  const auto changed = hub.imported(
      "site,location,sku,lot,quantity,as_of\nsite-1,A-3,SKU-9,,5,2026-09-01T04:00:00Z\n"
      "site-1,A-1,SKU-1,,11,2026-09-01T06:00:00+02:00\n",
      422);
  REQUIRE(changed["errors"].size() == 1);
  CHECK(changed["errors"][0]["line"] == 3);
  CHECK(changed["errors"][0]["field"] == "quantity");
  CHECK(changed["errors"][0]["message"].get<std::string>().find("set this position to 10") != std::string::npos);
  CHECK(hub.balance({"site-1", "A-3", "SKU-9", ""}, testing::kFixedNowMs) == std::nullopt);  // nothing stored
  CHECK(hub.balance(kA1Sku1, at("2026-09-01T05:00:00Z")) == 10);
  CHECK(hub.audit().back().kind == "baseline.import_rejected");
}

TEST_CASE("a malformed file is rejected whole with every line's error, naming the field") {
  BaselineHub hub;
  const auto rejected = hub.imported(fixture("baseline_broken.csv"), 422);
  CHECK(rejected["error"]["code"] == "invalid_import");
  std::vector<std::pair<int, std::string>> problems;
  for (const auto& error : rejected["errors"]) problems.emplace_back(error["line"], error["field"]);
  CHECK(problems == std::vector<std::pair<int, std::string>>{{2, "site"},
                                                             {3, "sku"},
                                                             {4, "quantity"},
                                                             {5, "quantity"},
                                                             {6, "as_of"},
                                                             {7, "as_of"},
                                                             {8, "as_of"},
                                                             {10, "as_of"}});
  CHECK(rejected["errors"][7]["message"].get<std::string>().find("line 9") != std::string::npos);
  CHECK(rejected["errors"][6]["message"].get<std::string>().find("future") != std::string::npos);
  CHECK(hub.balance(kA1Sku1, testing::kFixedNowMs) == std::nullopt);  // line 9 was valid, but not stored

  const auto missing = hub.imported(fixture("baseline_missing_column.csv"), 422);
  CHECK(missing["errors"][0]["line"] == 1);
  CHECK(missing["errors"][0]["message"].get<std::string>().find("lot") != std::string::npos);
  CHECK(hub.imported("", 422)["errors"][0]["message"].get<std::string>().find("empty") != std::string::npos);
  CHECK(hub.imported("site,location,sku,lot,quantity,as_of\n\"site-1,A-1\n", 422)["errors"].size() == 1);
  CHECK(hub.audit().back().kind == "baseline.import_rejected");
}

TEST_CASE("a file with a byte-order mark, CRLF lines, quoted fields and headers in any case is taken") {
  BaselineHub hub;
  CHECK(hub.imported(fixture("baseline_bom_crlf.csv"))["stored"] == 2);
  CHECK(hub.balance({"site-1", "A-2", "SKU-1", ""}, testing::kFixedNowMs) == 4);
}

TEST_CASE("a semicolon-separated file with a byte-order mark is taken, its delimiter detected and answered") {
  BaselineHub hub;
  const auto report = hub.imported(fixture("baseline_semicolon_bom.csv"));
  CHECK(report["stored"] == 2);
  CHECK(report["delimiter"] == "semicolon");
  CHECK(hub.balance(kA1Sku1, testing::kFixedNowMs) == 10);
}

TEST_CASE("a windows-1252 file is refused as UTF-8 naming its first bad line, and taken as windows-1252 or auto") {
  BaselineHub hub;
  const auto refused = hub.imported(fixture("baseline_windows1252_tab.txt"), 422);
  REQUIRE(refused["errors"].size() == 1);
  CHECK(refused["errors"][0]["line"] == 2);
  CHECK(refused["errors"][0]["message"].get<std::string>().starts_with("byte column 16: byte C9 is not valid UTF-8"));
  const auto report =
      hub.imported(fixture("baseline_windows1252_tab.txt"), 200, "?encoding=windows-1252&delimiter=tab");
  CHECK(report["stored"] == 1);
  CHECK(report["encoding"] == "windows-1252");
  CHECK(report["delimiter"] == "tab");
  CHECK(hub.balance({"site-1", "A-1", "SKU-\xC3\x89T\xC3\x89", ""}, testing::kFixedNowMs) == 4);
  CHECK(hub.imported(fixture("baseline_windows1252_tab.txt"), 200, "?encoding=auto")["unchanged"] == 1);
}

TEST_CASE("an unknown delimiter or encoding parameter is answered 400 naming the parameter") {
  BaselineHub hub;
  const auto delimiter = hub.post(fixture("baseline.csv"), "?delimiter=pipe");
  CHECK(delimiter.status == 400);
  CHECK(delimiter.body.find("delimiter: must be comma, semicolon, tab or detect (got 'pipe')") != std::string::npos);
  const auto encoding = hub.post(fixture("baseline.csv"), "?encoding=latin-9");
  CHECK(encoding.status == 400);
  CHECK(encoding.body.find("encoding: must be utf-8, windows-1252 or auto (got 'latin-9')") != std::string::npos);
  CHECK(hub.audit().empty());
}

}  // namespace
}  // namespace recount::hub

namespace recount::hub {

TEST_CASE("a large baseline file with a bad row near its end is refused whole naming the line, fixed, it is stored") {
  BaselineHub hub;
  const auto file = [](bool broken) {
    std::string text = "site,location,sku,lot,quantity,as_of\n";
    for (int row = 0; row < 20'000; ++row) {
      const bool bad = broken && row == 19'990;
      text += "site-1,L-" + std::to_string(row % 400) + ",SKU-" + std::to_string(row) + ",," +
              (bad ? "many" : std::to_string(row % 50)) + ",2026-09-01T04:00:00Z\n";
    }
    return text;
  };
  const auto rejected = hub.imported(file(true), 422);
  REQUIRE(rejected["errors"].size() == 1);
  CHECK(rejected["errors"][0]["line"] == 19'992);
  CHECK(rejected["errors"][0]["field"] == "quantity");
  CHECK(hub.balance({"site-1", "L-0", "SKU-0", ""}, testing::kFixedNowMs) == std::nullopt);
  CHECK(hub.audit().back().kind == "baseline.import_rejected");

  const auto stored = hub.imported(file(false));
  CHECK(stored["rows"] == 20'000);
  CHECK(stored["stored"] == 20'000);
  CHECK(hub.balance({"site-1", "L-399", "SKU-19999", ""}, testing::kFixedNowMs) == 49);
  const auto twice = hub.imported(file(false) + "site-1,L-7,SKU-7,,7,2026-09-01T04:00:00Z\n", 422);
  CHECK(twice["errors"][0]["line"] == 20'002);
  CHECK(twice["errors"][0]["message"].get<std::string>().find("line 9") != std::string::npos);
}

}  // namespace recount::hub
