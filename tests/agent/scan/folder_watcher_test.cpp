// The watched folder of camera frames, with zint images appearing in it over time.
#include "agent/scan/folder_watcher.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <vector>

#include "tests/agent/scan/zint_images.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

// A watched folder, a scratch folder for zint, and what the watcher delivered.
struct Frames {
  testing::TempDir scratch;
  testing::TempDir folder;
  boost::asio::io_context io;
  std::vector<Scan> scans;
  std::vector<std::string> problems;
  std::filesystem::path program = RECOUNT_AGENT_BIN;  // each frame's decoder

  std::shared_ptr<FolderWatcher> watch(const std::filesystem::path& path, ExistingFiles existing = ExistingFiles::kSkip,
                                       DecodedFrames decoded = DecodedFrames::kKeep) {
    auto watcher = std::make_shared<FolderWatcher>(
        io, FolderWatchOptions{path, 20ms, existing, decoded, FrameDecoderOptions{.program = program}});
    watcher->start([this](Scan scan) { scans.push_back(std::move(scan)); },
                   [this](const Error& error) { problems.push_back(error.describe()); });
    return watcher;
  }
  std::shared_ptr<FolderWatcher> watch() { return watch(folder.path()); }

  // zint writes into the scratch folder; the frame then appears in `into` at once, as a
  // capture tool that writes and renames would deliver it.
  std::filesystem::path drop(const std::string& name, const std::vector<std::string>& zint_arguments) {
    return drop_into(folder.path(), name, zint_arguments);
  }
  std::filesystem::path drop_into(const std::filesystem::path& into, const std::string& name,
                                  const std::vector<std::string>& zint_arguments) {
    const auto made = testing::make_zint_image(scratch.path(), name, zint_arguments);
    auto target = into / made.filename();
    std::filesystem::rename(made, target);
    return target;
  }

  bool scanned(std::size_t count) {
    return run_until(io, [&] { return scans.size() == count; });
  }
};

}  // namespace

TEST_CASE_FIXTURE(Frames, "frames that appear over time are decoded once each, in order") {
  auto watcher = watch();
  const auto first = drop("frame-001", {"-b", "13", "-d", "5901234123457"});
  REQUIRE(scanned(1));
  CHECK(scans[0].text == "5901234123457");
  CHECK(scans[0].symbology_identifier == "]E0");
  CHECK(scans[0].source == ScanSource::kImage);
  CHECK(scans[0].origin == first.string());

  drop("frame-002", {"-b", "71", "--gs1", "-d", "[01]09504000059101[21]SN-1[10]LOT-7"});
  REQUIRE(scanned(2));
  CHECK(scans[1].with_identifier() ==
        "]d2010950400005910121SN-1\x1d"
        "10LOT-7");

  // Many polls later nothing was decoded twice.
  io.run_for(200ms);
  CHECK(scans.size() == 2);
  CHECK(problems.empty());
}

TEST_CASE_FIXTURE(Frames, "frames already in the folder are skipped unless asked for") {
  drop("old", {"-b", "20", "-d", "OLD-FRAME"});
  auto skipping = watch();
  drop("new", {"-b", "20", "-d", "NEW-FRAME"});
  REQUIRE(scanned(1));
  io.run_for(150ms);
  REQUIRE(scans.size() == 1);
  CHECK(scans[0].text == "NEW-FRAME");
  skipping->stop();

  scans.clear();
  auto decoding = watch(folder.path(), ExistingFiles::kDecode);
  REQUIRE(scanned(2));
  CHECK(scans[0].text == "NEW-FRAME");  // in file-name order
  CHECK(scans[1].text == "OLD-FRAME");
}

TEST_CASE_FIXTURE(Frames, "a damaged frame is reported, other files are ignored, and watching goes on") {
  auto watcher = watch();
  std::filesystem::copy_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/truncated.png",
                             folder / "a-damaged.png");
  std::ofstream(folder / "notes.txt") << "not a frame";
  std::ofstream(folder / "b-frame.png.part") << "still being written";
  REQUIRE(run_until(io, [&] { return problems.size() == 1; }));
  CHECK(problems[0].find("a-damaged.png") != std::string::npos);

  drop("c-frame", {"-b", "58", "-d", "#loc A-01"});
  REQUIRE(scanned(1));
  CHECK(scans[0].text == "#loc A-01");
  CHECK(problems.size() == 1);
}

TEST_CASE_FIXTURE(Frames, "decoded and unreadable frames are removed when asked, frames there at start are kept") {
  const auto old = drop("old", {"-b", "20", "-d", "OLD-FRAME"});
  auto watcher = watch(folder.path(), ExistingFiles::kSkip, DecodedFrames::kRemove);
  std::ofstream(folder / "notes.txt") << "not a frame";
  const auto first = drop("frame-001", {"-b", "13", "-d", "5901234123457"});
  REQUIRE(scanned(1));
  CHECK_FALSE(std::filesystem::exists(first));
  std::filesystem::copy_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/truncated.png",
                             folder / "frame-002.png");
  REQUIRE(run_until(io, [&] { return problems.size() == 1; }));
  CHECK(problems[0].find("frame-002.png") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(folder / "frame-002.png"));
  // A frame written again under a removed frame's name is a new frame.
  drop("frame-001", {"-b", "20", "-d", "AGAIN"});
  REQUIRE(scanned(2));
  CHECK(scans[1].text == "AGAIN");
  CHECK(std::filesystem::exists(old));
  CHECK(std::filesystem::exists(folder / "notes.txt"));
}

TEST_CASE_FIXTURE(Frames, "a frame without barcode gives no scan") {
  auto watcher = watch();
  drop("blank", {"-b", "58", "--fg=FFFFFF", "-d", "x"});
  drop("then", {"-b", "13", "-d", "9638507"});
  REQUIRE(scanned(1));
  CHECK(scans[0].text == "96385074");
  CHECK(problems.empty());
}

TEST_CASE_FIXTURE(Frames, "a folder that cannot be listed is reported once and watched until it appears") {
  const auto later = folder / "frames";
  auto watcher = watch(later);
  REQUIRE(problems.size() == 1);  // start() lists at once
  io.run_for(100ms);
  CHECK(problems.size() == 1);
  std::filesystem::create_directory(later);
  io.run_for(60ms);  // the first listing that works sees an empty folder
  drop_into(later, "late", {"-b", "13", "-d", "9638507"});
  REQUIRE(scanned(1));
  CHECK(scans[0].text == "96385074");
}

TEST_CASE_FIXTURE(Frames,
                  "frames whose decoder cannot start are kept and decoded once it can, the failure reported once") {
  program = scratch / "not-yet" / "recount-agent";
  auto watcher = watch(folder.path(), ExistingFiles::kSkip, DecodedFrames::kRemove);
  const auto first = drop("frame-001", {"-b", "13", "-d", "5901234123457"});
  const auto second = drop("frame-002", {"-b", "20", "-d", "SECOND"});
  REQUIRE(run_until(io, [&] { return !problems.empty(); }));
  io.run_for(200ms);  // ten polls, each trying both frames again
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("cannot start the frame decoder") != std::string::npos);
  CHECK(std::filesystem::exists(first));
  CHECK(std::filesystem::exists(second));
  CHECK(scans.empty());

  std::filesystem::create_directory(scratch / "not-yet");
  std::filesystem::create_symlink(RECOUNT_AGENT_BIN, program);
  REQUIRE(scanned(2));
  CHECK(scans[0].text == "5901234123457");
  CHECK(scans[1].text == "SECOND");
  CHECK_FALSE(std::filesystem::exists(first));
  CHECK_FALSE(std::filesystem::exists(second));
  CHECK(problems.size() == 1);
}

TEST_CASE_FIXTURE(Frames, "after stop no frame is decoded") {
  auto watcher = watch();
  io.run_for(50ms);
  watcher->stop();
  drop("late", {"-b", "13", "-d", "9638507"});
  io.run_for(200ms);
  CHECK(scans.empty());
}

}  // namespace recount::agent
