// The names reconciliation enums have in SQL, and the error for a name no table knows.
#include "hub/reconcile/names.hpp"

#include <doctest/doctest.h>

namespace recount::hub::reconcile {
namespace {

TEST_CASE("reconcile names: an unknown name in a column reads back as corrupt, naming the column and value") {
  const Error corrupt = corrupt_value("groups.verdict", "maybe");
  CHECK(corrupt.code == ErrorCode::kCorrupt);
  CHECK(corrupt.message == "reconcile_groups.verdict holds an unknown value 'maybe'");
}

}  // namespace
}  // namespace recount::hub::reconcile
