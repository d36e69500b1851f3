// Frames decoded in a child process: the real recount-agent, and stand-ins for a decoder gone
// wrong (crashing, hanging, flooding, answering nonsense).
#include "agent/scan/frame_decoder.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <optional>

#include "tests/agent/scan/zint_images.hpp"
#include "tests/support/mqtt_fixtures.hpp"
#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

struct Decoding {
  testing::TempDir dir;
  boost::asio::io_context io;

  // A stand-in for recount-agent: a shell script with this body.
  std::filesystem::path script(const std::string& name, const std::string& body) {
    auto path = dir / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << '\n';
    REQUIRE(chmod(path.c_str(), 0755) == 0);
    return path;
  }

  std::filesystem::path frame(const std::string& name, const std::vector<std::string>& zint_arguments) {
    return testing::make_zint_image(dir.path(), name, zint_arguments);
  }

  Result<std::vector<DecodedBarcode>> decode(const std::filesystem::path& image, FrameDecoderOptions options) {
    FrameDecoder decoder(io, std::move(options));
    std::optional<Result<std::vector<DecodedBarcode>>> result;
    decoder.decode(image, [&](Result<std::vector<DecodedBarcode>> barcodes) { result = std::move(barcodes); });
    REQUIRE(run_until(
        io, [&] { return result.has_value(); }, 60s));
    return std::move(*result);
  }

  std::string refusal(const std::filesystem::path& image, FrameDecoderOptions options) {
    auto result = decode(image, std::move(options));
    REQUIRE_FALSE(result);
    CHECK(result.error().field == image.string());
    CHECK(result.error().code == ErrorCode::kInvalidInput);
    return result.error().message;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Decoding, "a frame's barcodes come back from the decoder's process byte for byte") {
  const auto frames = frame("frames", {"-b", "71", "--gs1", "-d", "[01]09504000059101[21]SN-1"});
  auto found = decode(frames, {RECOUNT_AGENT_BIN});
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].text == "010950400005910121SN-1");
  CHECK((*found)[0].symbology_identifier == "]d2");
  CHECK((*found)[0].format == BarcodeFormat::kDataMatrix);

  // A UTF-16 QR code whose data is a lone surrogate: ZXing gives its bytes, which are no UTF-8.
  const auto lone = frame("lone", {"-b", "58", "--binary", "--eci=25", "--esc", "-d", "\\xD8\\x00\\x00A"});
  found = decode(lone, {RECOUNT_AGENT_BIN});
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].text ==
        "\xED\xA0\x80"
        "A");

  const auto blank = frame("blank", {"-b", "58", "--fg=FFFFFF", "-d", "x"});
  found = decode(blank, {RECOUNT_AGENT_BIN});
  REQUIRE(found);
  CHECK(found->empty());

  const auto damaged = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/truncated.png";
  CHECK(refusal(damaged, {RECOUNT_AGENT_BIN}).find("unreadable image") == 0);
}

TEST_CASE_FIXTURE(Decoding, "a frame that needs more memory than its decoder's limit is refused with that reason") {
  if (!testing::data_limits_enforced()) return;
  // 4,200 x 4,200 pixels (17.6 MP) in a 1-bit PNG of a few KB: about 70 MiB to decode.
  const auto large = frame("large", {"-b", "58", "--scale", "100", "-d", "LARGE"});
  CHECK(refusal(large, {RECOUNT_AGENT_BIN, 32}) == "needs more memory than the decoder's limit of 32 MiB");
  const auto found = decode(large, {RECOUNT_AGENT_BIN, 256});
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].text == "LARGE");
}

TEST_CASE_FIXTURE(Decoding, "a decoder that crashes, hangs, floods or answers nonsense costs its frame only") {
  const auto image = frame("frame", {"-b", "13", "-d", "5901234123457"});
  CHECK(refusal(image, {script("crash", "kill -SEGV $$")}) == "the decoder died of SIGSEGV (Segmentation fault)");
  CHECK(refusal(image, {script("hang", "exec sleep 60"), 128, 300ms}) == "decoding took longer than 300 ms, stopped");
  // Gone, but what it started holds its answer's pipe open.
  CHECK(refusal(image, {script("orphan", "sleep 3 & exit 0"), 128, 300ms}) ==
        "decoding took longer than 300 ms, stopped");
  CHECK(refusal(image, {script("flood", "exec yes")}) == "the decoder answered more than 1 MiB");
  CHECK(refusal(image, {script("silent", "exit 3")}) == "the decoder ended (exit status 3) without an answer");
  CHECK(refusal(image, {script("nonsense", "echo nonsense")}) == "unreadable answer of the decoder: not a JSON object");
  CHECK(refusal(image, {script("twice", "echo '{\"results\":[]}'; echo '{\"results\":[]}'")}) ==
        "the decoder answered more than one line");
  CHECK(
      refusal(image, {script("unknown", R"(echo '{"results":[{"text":"1","format":"PDF417",)"
                                        R"("symbology_identifier":"]L2","position":[[0,0],[1,0],[1,1],[0,1]]}]}')")}) ==
      "results[0].format: unreadable answer of the decoder: unknown barcode format 'PDF417'");

  // A program that is not there: the decoder cannot start (kIo), and says so.
  const auto missing = decode(image, {dir / "missing"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kIo);
  CHECK(missing.error().message.find("cannot start the frame decoder") == 0);

  // And the real one still decodes the frame.
  const auto found = decode(image, {RECOUNT_AGENT_BIN});
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].text == "5901234123457");
}

TEST_CASE_FIXTURE(Decoding,
                  "the agent's thread serves other work while a frame decodes, and cancel kills the decoder") {
  const auto image = frame("frame", {"-b", "13", "-d", "5901234123457"});
  const auto slow = script("slow", "sleep 0.5; exec '" + std::string(RECOUNT_AGENT_BIN) + "' \"$@\"");
  FrameDecoder decoder(io, {slow});
  std::optional<Result<std::vector<DecodedBarcode>>> result;
  bool timer_fired_first = false;
  decoder.decode(image, [&](Result<std::vector<DecodedBarcode>> barcodes) { result = std::move(barcodes); });
  boost::asio::steady_timer timer(io, 50ms);
  timer.async_wait([&](const boost::system::error_code&) { timer_fired_first = !result.has_value(); });
  REQUIRE(run_until(
      io, [&] { return result.has_value(); }, 60s));
  CHECK(timer_fired_first);
  REQUIRE(*result);
  CHECK((*result)->size() == 1);

  const auto pid_file = dir / "pid";
  const auto hang = script("hang", "echo $$ > '" + pid_file.string() + "'; exec sleep 60");
  auto cancelled = std::make_unique<FrameDecoder>(io, FrameDecoderOptions{hang});
  bool called = false;
  cancelled->decode(image, [&](const Result<std::vector<DecodedBarcode>>&) { called = true; });
  REQUIRE(run_until(io, [&] { return std::filesystem::exists(pid_file) && std::filesystem::file_size(pid_file) > 0; }));
  pid_t child = 0;
  std::ifstream(pid_file) >> child;
  REQUIRE(child > 0);
  cancelled.reset();  // the decoder goes; its child is killed and reaped
  CHECK(run_until(io, [&] { return kill(child, 0) != 0 && errno == ESRCH; }));
  io.run_for(100ms);
  CHECK_FALSE(called);
}

}  // namespace recount::agent
