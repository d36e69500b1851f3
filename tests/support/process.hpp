// Child processes for tests: run a command to completion, or keep one running (a broker, a hub,
// an agent) and stop or kill it. Output goes to files so a long-running child never blocks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace recount::testing {

struct CommandResult {
  int exit_code = -1;  // -signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv with `input` on stdin and waits (bounded by `timeout`; the child is killed past it).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// run_command() for a step a fixture cannot do without: throws std::runtime_error with the
// command and its stderr unless it exits 0.
CommandResult run_or_throw(const std::vector<std::string>& argv,
                           std::chrono::seconds timeout = std::chrono::seconds(120));

// A long-running child. stdout and stderr go to log files beside each other; the destructor
// kills the child if it still runs. Not thread-safe.
class Process {
 public:
  // stdin comes from `input` when given, else from /dev/null.
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log_prefix,
          const std::filesystem::path& input = {});
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool running();
  // Sends the signal and waits (bounded) for exit; returns the exit code, -signal, or -1000 on
  // timeout (then the child was SIGKILLed). For a child that running() saw end: how it ended.
  int stop(int signal_number, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGKILL at once, as a power cut or OOM kill would: no cleanup runs in the child.
  void kill_hard();
  std::string output() const;  // what the child wrote to stdout so far
  std::string errors() const;  // what it wrote to stderr so far

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;  // how the child ended, once running() reaped it
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// A fresh directory under $TMPDIR, removed with everything in it at destruction unless the
// environment sets RECOUNT_KEEP_TEMP (then its path is printed for post-mortems).
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that nothing listened on a moment ago and that is none of `taken`
// (the system may hand a port it just released out again, and one broker's listeners must differ).
int free_loopback_port(const std::vector<int>& taken = {});

// True once something accepts TCP connections on 127.0.0.1:port (polling, bounded).
bool wait_for_port(int port, std::chrono::milliseconds timeout);

std::string read_file(const std::filesystem::path& path);

// Whether a limit on a process's data (RLIMIT_DATA) takes effect here. qemu's user-mode
// emulation (the ARM suites) accepts it and keeps it from the guest, so that its own memory is
// not limited; tests of a memory limit run only where it holds. When it does not, prints
// "memory limit skipped: <why>", which CTest counts as a skipped test (tests/CMakeLists.txt).
bool data_limits_enforced();

// Waits until `condition` is true, polling every `interval`; false if `timeout` passed first.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50));

}  // namespace recount::testing

#include "tests/support/process_inl.hpp"
