// Audit anchoring end to end: a real recount-hub signs its chain's head at shutdown into a
// checkpoint directory and on MQTT (retained); the database file is then tampered with sqlite3,
// and recountctl audit verify --checkpoint names the first bad entry, while an untouched copy
// verifies.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "shared/crypto/sha256.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace recount::testing {
namespace {

constexpr auto kSyncTimeout = std::chrono::seconds(60);
constexpr std::size_t kEvents = 40;

struct Entry {
  std::int64_t id;
  std::int64_t at_ms;
  std::string kind;
  std::string subject;
  std::string detail;
};

std::vector<Entry> entries_of(const std::filesystem::path& database_file) {
  auto database =
      storage::Database::open(database_file, storage::OpenMode::kExistingOnly, storage::Durability::kNormal);
  REQUIRE_MESSAGE(database.has_value(), (database ? "" : database.error().describe()));
  auto rows = database->prepare("SELECT id, at_ms, kind, subject, detail FROM audit_log ORDER BY id");
  REQUIRE(rows.has_value());
  std::vector<Entry> entries;
  while (rows->step().value()) {
    entries.push_back(Entry{rows->column_int(0), rows->column_int(1), rows->column_text(2), rows->column_text(3),
                            rows->column_text(4)});
  }
  return entries;
}

std::string sql_text(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The chain's algorithm as docs/api.md states it, written again here: a forger needs no hub code.
std::string entry_hash(const std::string& prev_hash, const Entry& entry) {
  std::string canonical;
  for (const std::string& field :
       {std::to_string(entry.id), std::to_string(entry.at_ms), entry.kind, entry.subject, entry.detail}) {
    canonical += std::to_string(field.size()) + ":" + field + "|";
  }
  return sha256_hex(prev_hash + canonical);
}

CommandResult sqlite(const std::filesystem::path& database_file, const std::string& sql) {
  return run_command({"sqlite3", database_file.string(), sql});
}

CommandResult verify(const std::filesystem::path& data, const std::filesystem::path& checkpoint) {
  return run_command({RECOUNTCTL_BIN, "--data", data.string(), "audit", "verify", "--checkpoint", checkpoint.string()});
}

// A hub that ingested the events of kEvents scans from one device and was stopped orderly, so its last
// checkpoint is on disk; copies of its data directory to tamper with.
struct StoppedHub {
  TempDir dir;
  Mosquitto broker;
  std::filesystem::path hub_dir = dir / "hub";
  std::filesystem::path checkpoints = dir / "checkpoints";
  std::string retained_checkpoint;

  StoppedHub() {
    record_events(dir / "dev-1", "site-1", "dev-1", kEvents, 7);
    Hub hub(hub_dir, broker.uri(), {"--audit-checkpoints", checkpoints.string()});
    {
      AgentDaemon agent(dir / "dev-1", broker.uri(), hub.key_file());
      REQUIRE(eventually(
          [&] {
            const auto status = agent_status(dir / "dev-1");
            return status["unsent"] == 0 && status["unacked"] == 0 && status["last_acked_seq"] == status["last_seq"];
          },
          kSyncTimeout, std::chrono::milliseconds(100)));
      REQUIRE(agent.stop() == 0);
    }
    REQUIRE(hub.stop() == 0);
    const auto retained = run_command({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t",
                                       "recount/hub/v1/checkpoint", "-C", "1", "-W", "10"});
    REQUIRE(retained.exit_code == 0);
    retained_checkpoint = retained.out.substr(0, retained.out.find_last_not_of('\n') + 1);
  }

  std::filesystem::path copy(const std::string& name) {
    const auto target = dir / name;
    std::filesystem::copy(hub_dir, target, std::filesystem::copy_options::recursive);
    return target;
  }
  std::filesystem::path latest() const { return checkpoints / "latest.json"; }
};

TEST_CASE("the hub's shutdown checkpoint is on disk and on MQTT, and the untampered database verifies against it") {
  StoppedHub stopped;
  const std::string file_copy = read_file(stopped.latest());
  CHECK(file_copy == stopped.retained_checkpoint);
  CHECK(file_copy.find("\"entry_id\":" + std::to_string(entries_of(stopped.hub_dir / "hub.db").size()) + ",") !=
        std::string::npos);
  const auto result = verify(stopped.copy("untouched"), stopped.latest());
  CHECK_MESSAGE(result.exit_code == 0, (result.out + result.err));
  CHECK(result.out.find("the chain extends the checkpoint") != std::string::npos);
}

TEST_CASE("an event's quantity edited with sqlite3 is named at the entry that recorded it") {
  StoppedHub stopped;
  const auto copy = stopped.copy("edited");
  const auto db = copy / "hub.db";
  // The entry that recorded the 25th event stored: the first whose recorded events reach it.
  std::int64_t expected = 0;
  std::uint64_t recorded = 0;
  for (const auto& entry : entries_of(db)) {
    const auto detail = nlohmann::json::parse(entry.detail);
    if (detail.contains("events")) recorded += detail["events"]["count"].get<std::uint64_t>();
    if (recorded >= 25) {
      expected = entry.id;
      break;
    }
  }
  REQUIRE(expected > 0);
  const auto tampered = sqlite(db, "DROP TRIGGER events_no_update; UPDATE events SET qty = qty + 5 WHERE rowid = 25;");
  REQUIRE_MESSAGE(tampered.exit_code == 0, tampered.err);
  const auto result = verify(copy, stopped.latest());
  CHECK(result.exit_code == 1);
  CHECK_MESSAGE(result.out.find("audit log broken at entry " + std::to_string(expected) + ": ") != std::string::npos,
                result.out);
  CHECK(result.out.find("do not match the events table") != std::string::npos);
}

TEST_CASE("entries rewritten and rehashed with sqlite3 verify alone but not against the checkpoint") {
  StoppedHub stopped;
  const auto copy = stopped.copy("rehashed");
  const auto db = copy / "hub.db";
  auto entries = entries_of(db);
  REQUIRE(entries.size() >= 2);
  std::string sql = "DROP TRIGGER audit_log_no_update;";
  std::string prev(64, '0');
  for (auto& entry : entries) {
    if (entry.id == 1) entry.subject = "site-1/someone-else";
    const std::string hash = entry_hash(prev, entry);
    sql += "UPDATE audit_log SET subject = " + sql_text(entry.subject) + ", prev_hash = " + sql_text(prev) +
           ", hash = " + sql_text(hash) + " WHERE id = " + std::to_string(entry.id) + ";";
    prev = hash;
  }
  const auto tampered = sqlite(db, sql);
  REQUIRE_MESSAGE(tampered.exit_code == 0, tampered.err);

  const auto alone = run_command({RECOUNTCTL_BIN, "--data", copy.string(), "audit", "verify"});
  CHECK_MESSAGE(alone.exit_code == 0, (alone.out + alone.err));  // the chain holds together on its own
  const auto result = verify(copy, stopped.latest());
  CHECK(result.exit_code == 1);
  CHECK_MESSAGE(result.out.find("audit log broken at entry " + std::to_string(entries.size()) +
                                ": its hash differs from the checkpoint") != std::string::npos,
                result.out);
}

TEST_CASE("a tail of entries and their events deleted with sqlite3 is named at the first missing entry") {
  StoppedHub stopped;
  const auto copy = stopped.copy("truncated");
  const auto db = copy / "hub.db";
  const auto entries = entries_of(db);
  REQUIRE(entries.size() >= 2);
  // Delete the last entry and the events it recorded, so what is left holds together.
  const auto detail = nlohmann::json::parse(entries.back().detail);
  const auto recorded = detail.contains("events") ? detail["events"]["count"].get<std::uint64_t>() : 0;
  const auto tampered = sqlite(db,
                               "DROP TRIGGER audit_log_no_delete; DROP TRIGGER events_no_delete;"
                               " DELETE FROM audit_log WHERE id = " +
                                   std::to_string(entries.back().id) +
                                   "; DELETE FROM events WHERE rowid > (SELECT max(rowid) FROM events) - " +
                                   std::to_string(recorded) + ";");
  REQUIRE_MESSAGE(tampered.exit_code == 0, tampered.err);
  const auto result = verify(copy, stopped.latest());
  CHECK(result.exit_code == 1);
  CHECK_MESSAGE(
      result.out.find("audit log broken at entry " + std::to_string(entries.back().id) + ": the chain ends at entry " +
                      std::to_string(entries.back().id - 1)) != std::string::npos,
      result.out);
}

}  // namespace
}  // namespace recount::testing
