// What the benchmarks share: printing figures, percentiles, event lines for `recount-agent record
// --jsonl`, reading a process's memory and CPU time, and running a real recount-hub.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "shared/core/result.hpp"
#include "shared/domain/event.hpp"
#include "shared/mqtt/link.hpp"
#include "shared/storage/sqlite.hpp"
#include "tests/support/event_lines.hpp"
#include "tests/support/hub_key.hpp"
#include "tests/support/process.hpp"

namespace recount::bench {

// Prints one figure as "name value unit" on stdout, flushed at once so partial runs still report.
void emit(const std::string& name, double value, const std::string& unit);

// Prints each figure under "name@suffix" (the size it was measured at) and, for the run at the
// headline size (primary), under the bare name too.
struct Reporter {
  std::string suffix;
  bool primary = false;
  void operator()(const std::string& name, double value, const std::string& unit) const {
    if (primary) emit(name, value, unit);
    emit(name + "@" + suffix, value, unit);
  }
};

// The q-quantile (0..1, nearest rank) of `samples`; 0 when empty. Sorts its copy.
double quantile(std::vector<double> samples, double q);

// Reports latencies in milliseconds as NAME_p50_ms, NAME_p99_ms and NAME_max_ms.
void report_latencies(const Reporter& report, const std::string& name, const std::vector<double>& samples_ms);

// "--key value" pairs; a key given without a value maps to "1". Unknown keys are kept.
class Args {
 public:
  Args(int argc, char** argv);
  std::string text(const std::string& key, const std::string& fallback) const;
  std::int64_t number(const std::string& key, std::int64_t fallback) const;
  bool flag(const std::string& key) const { return values_.count(key) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

// Gives event drafts (tests/support/warehouse_events.hpp) what recording adds, as `record --jsonl`
// would: seqs from 1, distinct UUIDv7-shaped ids derived from `seed`, wall times from now, HLCs.
void stamp_events(std::vector<Event>& drafts, unsigned seed);

// The same event mix as the system tests record.
using testing::write_event_lines;

// The value of a successful result; throws naming `what` and the error otherwise.
template <typename T>
T must(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().describe());
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

// SQLite alone stepping every row of `sql` and reading its first `columns` integer columns, the
// raw limit beside an engine's pass over the same rows. Two passes (the first may find the file
// colder than the engine's passes after it); the faster one's rows and seconds.
struct RawScan {
  std::size_t rows = 0;
  double seconds = 0;
};
RawScan raw_scan(storage::Database& database, const std::string& sql, int columns);

// A benchmark's main(): runs `run` with the parsed arguments; an exception is printed with the
// program's name and exits 2.
int main_of(const char* name, int argc, char** argv, int (*run)(const Args&));

// VmRSS (or another field of /proc/PID/status given in kB, e.g. "VmHWM") of a live process in
// MiB; -1 when it cannot be read.
double rss_mib(pid_t pid, const std::string& field = "VmRSS");
// Forgets the peak RSS of process `pid` (this one by default), so that VmHWM afterwards is the
// peak of what follows; false where the kernel does not allow it.
bool reset_peak_rss(pid_t pid = getpid());

// The peak RSS of `measured()` above the RSS before it, in MiB; -1 when it cannot be measured.
template <typename Measured>
double peak_extra_mib(Measured measured) {
  const double before = rss_mib(getpid());
  const bool reset = reset_peak_rss();
  measured();
  return reset ? rss_mib(getpid(), "VmHWM") - before : -1;
}

// User plus system CPU time a live process has used so far, in seconds; -1 when unreadable.
double cpu_seconds(pid_t pid);

// A running recount-hub on a free HTTP port; the constructor waits (bounded) for its ready line
// and throws if it does not come. Killed at destruction if still running.
class HubProcess {
 public:
  // `extra` goes on recount-hub's command line (e.g. --policy FILE).
  HubProcess(const std::filesystem::path& data_dir, const std::string& broker_uri,
             const std::vector<std::string>& extra = {});
  pid_t pid() const { return process_->pid(); }
  int http_port() const { return http_port_; }
  std::string errors() const { return process_->errors(); }  // its stderr so far
  int stop();

 private:
  int http_port_ = 0;
  std::unique_ptr<testing::Process> process_;
};

// A running `recount-agent run` for one data directory, provisioned with the hub's public key
// (testing::hub_key_file).
std::unique_ptr<testing::Process> start_agent(const std::filesystem::path& data_dir, const std::string& broker_uri,
                                              const std::filesystem::path& hub_key_file);

// Records `count` events into DATA (created with site/device) through `recount-agent record
// --jsonl`; throws when the command fails.
void record_events(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                   std::size_t count, unsigned seed);
// Records the JSON event lines in `lines` (then removed) into DATA the same way.
void record_event_lines(const std::filesystem::path& data_dir, const std::string& site, const std::string& device,
                        const std::filesystem::path& lines);

// Link::stop() threw Paho's "MQTT error [-1]" from disable_callbacks() right after a disconnect
// before commit 7dce0ad; this retries a few times, then gives up quietly.
void stop_link(mqtt::Link& link);

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Waits (bounded by `limit`) until the hub's reconciliation has applied every event its ledger
// stored (Reconciler::catch_up's mark reaches the newest rowid) and judged every count group
// they made due (reconcile_dirty is empty: the benchmark's policy has no settle delay); returns
// when, or nullopt. With several hubs the mark is the one the lease holder of the moment
// advances, and it judges a count only once every hub stored what it received before it.
std::optional<Clock::time_point> wait_reconciled(storage::Connection& ledger, std::chrono::seconds limit);

}  // namespace recount::bench
