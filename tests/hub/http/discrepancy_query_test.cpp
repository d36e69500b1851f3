// The queue's query parameters: each filter, sort and page bound parsed, and each bad value
// refused naming its parameter.
#include "hub/http/discrepancy_query.hpp"

#include <doctest/doctest.h>

#include <string>

namespace recount::hub {
namespace {

using reconcile::DiscrepancySort;
using reconcile::DiscrepancyState;
using reconcile::SortOrder;
using reconcile::StateFilter;

constexpr std::int64_t kNowMs = 1'790'000'000'000;

Result<reconcile::DiscrepancyQuery> parse(const std::string& query) {
  return discrepancy_query_of(Request::from_target("GET", "/api/v1/discrepancies?" + query).value(), kNowMs);
}

// The parameter a refusal names (the message's text before the colon).
std::string refused(const std::string& query) {
  const auto parsed = parse(query);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code == ErrorCode::kInvalidInput);
  return parsed.error().field;
}

TEST_CASE("no parameters list every active discrepancy by opening time, without a limit") {
  const auto query = parse("").value();
  CHECK(query.filter == StateFilter::kActive);
  CHECK(query.states.empty());
  CHECK(query.sort == DiscrepancySort::kOpened);
  CHECK(query.order == SortOrder::kAscending);
  CHECK_FALSE(query.limit.has_value());
  CHECK(query.offset == 0);
}

TEST_CASE("state is open, all, closed or a comma list of states, in which open is the state") {
  CHECK(parse("state=all").value().filter == StateFilter::kAll);
  CHECK(parse("state=closed").value().filter == StateFilter::kClosed);
  const auto listed = parse("state=open,awaiting_approval").value();
  CHECK(listed.filter == StateFilter::kAll);
  CHECK(listed.states == std::vector{DiscrepancyState::kOpen, DiscrepancyState::kAwaitingApproval});
  CHECK(refused("state=pending") == "state");
  CHECK(refused("state=open,") == "state");
  CHECK(parse("state=nope").error().message.find("got 'nope'") != std::string::npos);
}

TEST_CASE("the name filters take known names and refuse others naming the parameter") {
  const auto query = parse("site=store-1&classification=uom_error&reason=damage&system=warehouse").value();
  CHECK(query.site == "store-1");
  CHECK(query.classification == reconcile::Classification::kUomError);
  CHECK(query.reason == ReasonCode::kDamage);
  CHECK(query.system == "warehouse");
  CHECK(parse("system=shopify").value().system == "shopify");
  CHECK(refused("site=no%20spaces") == "site");
  CHECK(refused("classification=big") == "classification");
  CHECK(refused("reason=bored") == "reason");
  CHECK(refused("system=no%20spaces") == "system");
}

TEST_CASE("value bounds are absolute cents, age bounds become a window of opening times before now") {
  const auto query = parse("min_value_cents=100&max_value_cents=500&min_age_ms=1000&max_age_ms=60000").value();
  CHECK(query.min_value_cents == 100);
  CHECK(query.max_value_cents == 500);
  CHECK(query.opened_through_ms == kNowMs - 1000);
  CHECK(query.opened_from_ms == kNowMs - 60000);
  CHECK(refused("min_value_cents=-1") == "min_value_cents");
  CHECK(refused("max_value_cents=ten") == "max_value_cents");
  CHECK(refused("min_value_cents=500&max_value_cents=100") == "max_value_cents");
  CHECK(refused("min_age_ms=5000&max_age_ms=10") == "max_age_ms");
  CHECK(refused("min_age_ms=99999999999999999999") == "min_age_ms");
}

TEST_CASE("sort takes opened, value, age, updated or site, descending with a minus, age runs against opening") {
  CHECK(parse("sort=-value").value().sort == DiscrepancySort::kValue);
  CHECK(parse("sort=-value").value().order == SortOrder::kDescending);
  CHECK(parse("sort=updated").value().sort == DiscrepancySort::kUpdated);
  CHECK(parse("sort=site").value().sort == DiscrepancySort::kSite);
  const auto oldest_first = parse("sort=-age").value();
  CHECK(oldest_first.sort == DiscrepancySort::kOpened);
  CHECK(oldest_first.order == SortOrder::kAscending);
  CHECK(parse("sort=age").value().order == SortOrder::kDescending);
  CHECK(refused("sort=price") == "sort");
  CHECK(refused("sort=--value") == "sort");
}

TEST_CASE("limit is 1 to 1000 and offset 0 to a million") {
  CHECK(parse("limit=1").value().limit == std::size_t{1});
  CHECK(parse("limit=1000&offset=1000000").value().offset == 1'000'000);
  CHECK(refused("limit=0") == "limit");
  CHECK(refused("limit=1001") == "limit");
  CHECK(refused("offset=-1") == "offset");
  CHECK(refused("offset=1000001") == "offset");
}

}  // namespace
}  // namespace recount::hub
