// kill -9 of a recording agent: every event it confirmed is in the journal after restart, and
// seqs stay contiguous. Also: damaged journals stop the agent with a clear error.
#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <thread>

#include "tests/support/agents.hpp"

namespace recount::testing {
namespace {

std::vector<std::uint64_t> confirmed_seqs(const std::string& output) {
  // Only complete lines count: a line cut off by the kill was never fully confirmed.
  std::vector<std::uint64_t> seqs;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;
    seqs.push_back(std::stoull(line));
  }
  return seqs;
}

}  // namespace

TEST_CASE("every event an agent confirmed survives kill -9, and seqs stay contiguous") {
  TempDir dir;
  const auto data = dir / "device";
  const auto lines = dir / "events.jsonl";
  write_event_lines(lines, 20000, 11);
  std::mt19937 random(5);
  std::uint64_t confirmed_total = 0;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    Process recorder(
        {RECOUNT_AGENT_BIN, "record", "--data", data.string(), "--site", "s1", "--device", "d1", "--jsonl", "-"},
        dir / ("recorder-" + std::to_string(round)), lines);
    // A kill before the journal exists leaves nothing to check (and no identity for status).
    REQUIRE(eventually([&] { return std::filesystem::exists(data / "journal.db"); }, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 400));
    recorder.kill_hard();
    const auto seqs = confirmed_seqs(recorder.output());
    for (std::size_t i = 1; i < seqs.size(); ++i) REQUIRE(seqs[i] == seqs[i - 1] + 1);

    const auto status = agent_status(data);
    const auto last_seq = status["last_seq"].get<std::uint64_t>();
    CHECK(status["total"].get<std::uint64_t>() == last_seq);  // no holes, nothing lost
    if (!seqs.empty()) CHECK(seqs.back() <= last_seq);
    CHECK(last_seq >= confirmed_total + seqs.size());
    confirmed_total = last_seq;
  }
  const auto journal = agent_journal(data);
  REQUIRE(journal.size() == confirmed_total);
  for (std::size_t i = 0; i < journal.size(); ++i) REQUIRE(journal[i]["seq"].get<std::uint64_t>() == i + 1);
  MESSAGE("recorded " << confirmed_total << " events over " << kRounds << " kills");
}

TEST_CASE("the agent refuses to start on a damaged journal and leaves the file as it was") {
  TempDir dir;
  const auto data = dir / "device";
  std::filesystem::create_directories(data);
  std::filesystem::copy_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/journal/truncated.db",
                             data / "journal.db");
  const auto before = read_file(data / "journal.db");
  for (const auto& command : std::vector<std::vector<std::string>>{
           {RECOUNT_AGENT_BIN, "status", "--data", data.string()},
           {RECOUNT_AGENT_BIN, "run", "--data", data.string(), "--mqtt", "tcp://127.0.0.1:1"},
           {RECOUNT_AGENT_BIN, "record", "--data", data.string(), "count", "--location", "A", "--sku", "S", "--qty",
            "1"}}) {
    auto result = run_command(command);
    CAPTURE(command[1]);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("journal.db is unusable") != std::string::npos);
    CHECK(result.err.find("left untouched") != std::string::npos);
  }
  CHECK(read_file(data / "journal.db") == before);
}

TEST_CASE("a data directory remembers its device and refuses another one") {
  TempDir dir;
  const auto data = (dir / "device").string();
  auto first = run_command({RECOUNT_AGENT_BIN, "record", "--data", data, "--site", "s1", "--device", "d1", "count",
                            "--location", "A-1", "--sku", "SKU-1", "--qty", "4"});
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == "1\n");
  auto conflicting = run_command({RECOUNT_AGENT_BIN, "record", "--data", data, "--device", "d2", "count", "--location",
                                  "A-1", "--sku", "SKU-1", "--qty", "4"});
  CHECK(conflicting.exit_code == 1);
  CHECK(conflicting.err.find("belongs to device d1") != std::string::npos);
  auto later = run_command({RECOUNT_AGENT_BIN, "record", "--data", data, "receive", "--location", "DOCK", "--sku",
                            "SKU-1", "--qty", "12", "--ref", "PO-7"});
  CHECK(later.out == "2\n");
}

TEST_CASE("invalid lines of a JSONL stream are reported by line number and valid lines are kept") {
  TempDir dir;
  const auto data = (dir / "device").string();
  const std::string input =
      "{\"type\":\"count\",\"location\":\"A-1\",\"sku\":\"S-1\",\"qty\":2}\n"
      "{\"type\":\"count\",\"location\":\"A-1\",\"sku\":\"S-1\",\"qty\":-2}\n"
      "not json\n"
      "{\"type\":\"move\",\"location\":\"A-1\",\"to\":\"B-1\",\"sku\":\"S-1\",\"qty\":1}\n";
  auto result = run_command(
      {RECOUNT_AGENT_BIN, "record", "--data", data, "--site", "s1", "--device", "d1", "--jsonl", "-"}, input);
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("line 2: qty") != std::string::npos);
  CHECK(result.err.find("line 3:") != std::string::npos);
  CHECK(result.out == "1\n2\n");
  const auto journal = agent_journal(dir / "device");
  REQUIRE(journal.size() == 2);
  CHECK(journal[1]["type"] == "move");
  CHECK(journal[1]["to"] == "B-1");
}

}  // namespace recount::testing
