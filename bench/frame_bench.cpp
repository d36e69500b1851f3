// Camera frames decoded in a child process (agent/scan/frame_decoder.hpp), as the agent's camera
// folder does since 2026-12-07, against the same frames decoded in this process, as it did before.
// Beside each figure the limit it is measured against, in the same run:
// - per frame: the child's round trip (start, decode, answer, exit) for a label image
//   (tests/data/scan/ean13.png), beside decoding it here (decode_image_file) and beside starting
//   and reaping /bin/true (what any child costs on this machine);
// - a large frame (--large, by default tests/data/scan/progressive-2048x4096.jpg: 33 KB for which
//   libjpeg holds 16 MiB): how late a 10 ms timer of the agent's thread fires at most while the
//   frame decodes in a child, beside the same while it decodes on that thread; and the peak RSS
//   this process gains either way.
//
// Usage: frame_bench [--frames 50] [--large FILE] [--memory-limit-mib 128]
// Prints "name value unit" lines.
#include <spawn.h>
#include <sys/wait.h>

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/scan/frame_decoder.hpp"
#include "bench/bench_support.hpp"

namespace recount::bench {
namespace {

using namespace std::chrono_literals;

// Decodes `frame` in a child and runs `io` until the answer is in; throws when there is none.
void decode_in_child(boost::asio::io_context& io, agent::FrameDecoder& decoder, const std::filesystem::path& frame) {
  std::optional<Result<std::vector<agent::DecodedBarcode>>> result;
  decoder.decode(frame, [&](Result<std::vector<agent::DecodedBarcode>> barcodes) { result = std::move(barcodes); });
  io.restart();
  while (!result) io.run_one();
  if (!*result) throw std::runtime_error(frame.string() + ": " + result->error().describe());
}

double spawn_true_ms() {
  const auto start = Clock::now();
  pid_t pid = 0;
  const char* argv[] = {"/bin/true", nullptr};
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) {
    throw std::runtime_error("cannot start /bin/true");
  }
  waitpid(pid, nullptr, 0);
  return ms_since(start);
}

// The most a timer due every 10 ms on `io`'s thread fired late while `work` ran, in ms. `work`
// starts on that thread and calls the callback it is given when it is over.
template <typename Work>
double max_timer_lateness_ms(boost::asio::io_context& io, Work work) {
  boost::asio::steady_timer timer(io);
  double latest = 0;
  bool done = false;
  Clock::time_point next_due;
  std::function<void(Clock::time_point)> arm = [&](Clock::time_point due) {
    next_due = due;
    timer.expires_at(due);
    timer.async_wait([&, due](const boost::system::error_code& error) {
      if (error || done) return;
      latest = std::max(latest, ms_since(due));
      arm(due + 10ms);
    });
  };
  arm(Clock::now() + 10ms);
  boost::asio::post(io, [&] {
    work([&] {
      // A tick due and not fired yet is late by now (all of it, when the work held the thread).
      latest = std::max(latest, ms_since(next_due));
      done = true;
      timer.cancel();
    });
  });
  io.restart();
  io.run();
  return latest;
}

int run(const Args& args) {
  const auto frames = static_cast<std::size_t>(args.number("frames", 50));
  const std::filesystem::path label = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/ean13.png";
  const std::filesystem::path large = args.text(
      "large", (std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/scan/progressive-2048x4096.jpg").string());
  boost::asio::io_context io;
  agent::FrameDecoder decoder(io, {RECOUNT_AGENT_BIN, args.number("memory-limit-mib", 128)});

  std::vector<double> child_ms, here_ms, true_ms;
  for (std::size_t i = 0; i < frames; ++i) {
    auto start = Clock::now();
    decode_in_child(io, decoder, label);
    child_ms.push_back(ms_since(start));
    start = Clock::now();
    if (!agent::decode_image_file(label)) throw std::runtime_error(label.string() + ": not decoded here");
    here_ms.push_back(ms_since(start));
    true_ms.push_back(spawn_true_ms());
  }
  const Reporter report{"frames=" + std::to_string(frames), true};
  const double child = quantile(child_ms, 0.5);
  const double here = quantile(here_ms, 0.5);
  const double spawn = quantile(true_ms, 0.5);
  report("frame_label_child_p50_ms", child, "ms");
  report("frame_label_here_p50_ms", here, "ms");
  report("raw_spawn_true_p50_ms", spawn, "ms");
  report("frame_label_child_to_here", child / here, "x");
  report("frame_label_child_to_spawn_true", child / spawn, "x");

  double child_late = 0;
  double here_late = 0;
  double large_child_ms = 0;
  double large_here_ms = 0;
  const double child_rss = peak_extra_mib([&] {
    child_late = max_timer_lateness_ms(io, [&](const std::function<void()>& finished) {
      const auto start = Clock::now();
      decoder.decode(large, [&, start, finished](const Result<std::vector<agent::DecodedBarcode>>& barcodes) {
        if (!barcodes) throw std::runtime_error(large.string() + ": " + barcodes.error().describe());
        large_child_ms = ms_since(start);
        finished();
      });
    });
  });
  const double here_rss = peak_extra_mib([&] {
    here_late = max_timer_lateness_ms(io, [&](const std::function<void()>& finished) {
      const auto start = Clock::now();
      if (!agent::decode_image_file(large)) throw std::runtime_error(large.string() + ": not decoded here");
      large_here_ms = ms_since(start);
      finished();
    });
  });
  report("frame_large_child_ms", large_child_ms, "ms");
  report("frame_large_here_ms", large_here_ms, "ms");
  report("frame_large_child_timer_late_max_ms", child_late, "ms");
  report("frame_large_here_timer_late_max_ms", here_late, "ms");
  report("frame_large_child_peak_extra_rss_mib", child_rss, "MiB");
  report("frame_large_here_peak_extra_rss_mib", here_rss, "MiB");
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("frame_bench", argc, argv, recount::bench::run); }
