// Shared benchmark helpers.
#include "bench/bench_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace recount::bench {

void emit(const std::string& name, double value, const std::string& unit) {
  std::printf("%s %.6g %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

void stamp_events(std::vector<Event>& drafts, unsigned seed) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    Event& event = drafts[i];
    event.seq = i + 1;
    char id[40];
    std::snprintf(id, sizeof id, "0190b2a4-%04x-7%03x-8%03x-%012llx", static_cast<unsigned>(seed & 0xffff),
                  static_cast<unsigned>(i >> 24 & 0xfff), static_cast<unsigned>(i >> 12 & 0xfff),
                  static_cast<unsigned long long>(i) & 0xffffffffffffULL);  // a UUID's last group: 12 digits
    event.event_id = id;
    event.wall_ms = now_ms + static_cast<std::int64_t>(i);
    event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
  }
}

double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void report_latencies(const Reporter& report, const std::string& name, const std::vector<double>& samples_ms) {
  report(name + "_p50_ms", quantile(samples_ms, 0.50), "ms");
  report(name + "_p99_ms", quantile(samples_ms, 0.99), "ms");
  report(name + "_max_ms", quantile(samples_ms, 1.0), "ms");
}

Args::Args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) continue;
    key = key.substr(2);
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      values_[key] = argv[++i];
    } else {
      values_[key] = "1";
    }
  }
}

std::string Args::text(const std::string& key, const std::string& fallback) const {
  auto found = values_.find(key);
  return found == values_.end() ? fallback : found->second;
}

std::int64_t Args::number(const std::string& key, std::int64_t fallback) const {
  auto found = values_.find(key);
  return found == values_.end() ? fallback : std::stoll(found->second);
}

RawScan raw_scan(storage::Database& database, const std::string& sql, int columns) {
  auto scan = must(database.prepare(sql), "prepare raw scan");
  RawScan best;
  for (int pass = 0; pass < 2; ++pass) {
    std::size_t rows = 0;
    std::uint64_t sum = 0;  // wraps: HLC stamps are near 2^63
    const auto start = Clock::now();
    while (must(scan.step(), "raw scan")) {
      for (int c = 0; c < columns; ++c) sum += static_cast<std::uint64_t>(scan.column_int(c));
      ++rows;
    }
    const double seconds = seconds_since(start);
    scan.reset();
    if (sum == 0 && rows > 0) std::cerr << "raw scan: sum 0\n";  // uses the reads, so they stay
    if (pass == 0 || seconds < best.seconds) best = {rows, seconds};
  }
  return best;
}

int main_of(const char* name, int argc, char** argv, int (*run)(const Args&)) {
  try {
    return run(Args(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << name << ": " << error.what() << '\n';
    return 2;
  }
}

bool reset_peak_rss(pid_t pid) {
  std::ofstream clear("/proc/" + std::to_string(pid) + "/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

double rss_mib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream fields(line.substr(field.size() + 1));
      double kib = -1;
      fields >> kib;
      return kib / 1024.0;
    }
  }
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0;
  double stime = 0;
  // After the command: state is field 3; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

HubProcess::HubProcess(const std::filesystem::path& data_dir, const std::string& broker_uri,
                       const std::vector<std::string>& extra) {
  const int http_port = testing::free_loopback_port();
  http_port_ = http_port;
  std::vector<std::string> argv{RECOUNT_HUB_BIN,
                                "--data",
                                data_dir.string(),
                                "--mqtt",
                                broker_uri,
                                "--http",
                                "127.0.0.1:" + std::to_string(http_port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<testing::Process>(std::move(argv), data_dir.string() + "-hub");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (process_->output().find("recount-hub ready") == std::string::npos) {
    if (Clock::now() > deadline || !process_->running()) {
      throw std::runtime_error("recount-hub did not become ready: " + process_->errors());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void stop_link(mqtt::Link& link) {
  for (int attempt = 1; attempt <= 5; ++attempt) {
    try {
      link.stop();
      return;
    } catch (const std::exception& error) {
      std::cerr << "bench: Link::stop() threw (attempt " << attempt << "): " << error.what() << '\n';
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

int HubProcess::stop() { return process_->stop(SIGTERM); }

std::unique_ptr<testing::Process> start_agent(const std::filesystem::path& data_dir, const std::string& broker_uri,
                                              const std::filesystem::path& hub_key_file) {
  return std::make_unique<testing::Process>(
      std::vector<std::string>{RECOUNT_AGENT_BIN, "run", "--data", data_dir.string(), "--mqtt", broker_uri, "--hub-key",
                               hub_key_file.string()},
      data_dir.string() + "-agent");
}

void record_events(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                   std::size_t count, unsigned seed) {
  const std::filesystem::path lines = data_dir.string() + ".jsonl";
  write_event_lines(lines, count, seed);
  record_event_lines(data_dir, site, device, lines);
}

void record_event_lines(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                        const std::filesystem::path& lines) {
  auto result = testing::run_command({RECOUNT_AGENT_BIN, "record", "--data", data_dir.string(), "--site", site,
                                      "--device", device, "--jsonl", lines.string()},
                                     "", std::chrono::seconds(600));
  std::filesystem::remove(lines);
  if (result.exit_code != 0) throw std::runtime_error("recount-agent record failed: " + result.err);
}

std::optional<Clock::time_point> wait_reconciled(storage::Connection& ledger, std::chrono::seconds limit) {
  auto caught_up = ledger.prepare(
      "SELECT CASE WHEN (SELECT value FROM reconcile_meta WHERE name = 'applied_through') >="
      " (SELECT max(rowid) FROM events) AND NOT EXISTS (SELECT 1 FROM reconcile_dirty) THEN 1 ELSE 0 END");
  if (!caught_up) throw std::runtime_error("prepare the reconciliation check: " + caught_up.error().describe());
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    auto row = caught_up->step();
    const bool done = row && *row && caught_up->column_int(0) == 1;
    caught_up->reset();
    if (done) return Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

}  // namespace recount::bench
