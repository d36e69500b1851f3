// Issue 15: `recount-agent run` started on a fresh data directory while `recount-agent record`
// wrote to it died ('table meta already exists', 'disk I/O error', 'attempt to write a readonly
// database'). Both processes create and migrate the journal at once: both must live and every
// record must land.
#include <doctest/doctest.h>

#include <csignal>
#include <future>

#include "tests/support/agents.hpp"
#include "tests/support/mosquitto.hpp"

namespace recount::testing {

TEST_CASE("run and record started together on a fresh data directory both live, and every record lands") {
  Mosquitto broker;
  constexpr int kRounds = 20;
  constexpr std::size_t kEvents = 40;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    TempDir dir;
    const auto data = dir / "device";
    const auto lines = dir / "events.jsonl";
    write_event_lines(lines, kEvents, static_cast<unsigned>(round));
    const std::vector<std::string> record = {
        RECOUNT_AGENT_BIN, "record", "--data", data.string(), "--site", "s1", "--device", "d1", "--jsonl", "-"};
    const std::vector<std::string> run = {RECOUNT_AGENT_BIN, "run", "--data", data.string(), "--site", "s1",
                                          "--device",        "d1",  "--mqtt", broker.uri()};
    // Which of the two reaches the directory first alternates with the round.
    std::future<CommandResult> recording;
    std::unique_ptr<Process> daemon;
    if (round % 2 == 0) {
      recording = std::async(std::launch::async, [&] { return run_command(record, read_file(lines)); });
      daemon = std::make_unique<Process>(run, dir / "agent");
    } else {
      daemon = std::make_unique<Process>(run, dir / "agent");
      recording = std::async(std::launch::async, [&] { return run_command(record, read_file(lines)); });
    }
    const CommandResult recorded = recording.get();
    CHECK_MESSAGE(recorded.exit_code == 0, recorded.err);
    CHECK(recorded.out.size() > 0);
    const bool syncing = eventually(
        [&] { return daemon->output().find("recount-agent syncing") != std::string::npos || !daemon->running(); },
        std::chrono::seconds(20));
    CHECK(syncing);
    CHECK_MESSAGE(daemon->running(), daemon->errors());
    CHECK_MESSAGE(daemon->stop(SIGTERM) == 0, daemon->errors());
    const auto status = agent_status(data);
    CHECK(status["last_seq"].get<std::uint64_t>() == kEvents);
    CHECK(status["total"].get<std::uint64_t>() == kEvents);
  }
}

}  // namespace recount::testing
