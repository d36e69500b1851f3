// The ids the hub derives from what an event is (baselines, connected systems' snapshots and
// movements) are pinned: they are stored, and importing the same row again must find them, so
// they never change whatever the code that makes them becomes.
#include <doctest/doctest.h>

#include "hub/baseline/baseline_import.hpp"
#include "hub/channels/channel_import.hpp"

namespace recount::hub {
namespace {

TEST_CASE("a baseline's event id is the one stored before") {
  CHECK(baseline_event_id(reconcile::PositionKey{"store-1", "A-01", "SKU-1", ""}, 1767592800000) ==
        "450517d1-5927-8a4a-8113-a9ce99865f76");
}

TEST_CASE("a snapshot's and a system movement's event ids are the ones stored before") {
  CHECK(channels::snapshot_event_id("shopify", "s1", "", "MUG-BLUE", 1758369600000) ==
        "e1a6511c-5c35-83de-86fb-e7a2a0698561");
  CHECK(channels::movement_event_id("pos", "R1/1001/1") == "a3267568-8dc6-87ab-b09b-12fbaa6c96da");
}

}  // namespace
}  // namespace recount::hub
