// Child processes, temporary directories and loopback ports for tests.
#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace recount::testing {
namespace {

pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd, int stderr_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

// Waits for pid up to timeout; returns the decoded status, or nullopt-like -1000 on timeout.
int wait_bounded(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return decode_status(status);
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int open_or_throw(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string());
  return fd;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool data_limits_enforced() {
  rlimit before{};
  if (getrlimit(RLIMIT_DATA, &before) != 0) return false;
  // A lower soft limit that still limits nothing a test does (1 TiB), read back, then restored.
  const rlim_t probe = rlim_t{1} << 40;
  if (before.rlim_cur != RLIM_INFINITY && before.rlim_cur <= probe) return true;
  rlimit lowered = before;
  lowered.rlim_cur = probe;
  if (setrlimit(RLIMIT_DATA, &lowered) != 0) return false;
  rlimit now{};
  const bool held = getrlimit(RLIMIT_DATA, &now) == 0 && now.rlim_cur == probe;
  setrlimit(RLIMIT_DATA, &before);
  if (!held)
    std::cout << "memory limit skipped: RLIMIT_DATA does not hold here (qemu's user-mode emulation)" << std::endl;
  return held;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::seconds timeout) {
  TempDir scratch;
  const auto in_path = scratch / "stdin";
  std::ofstream(in_path, std::ios::binary) << input;
  const int in_fd = open_or_throw(in_path, O_RDONLY);
  const int out_fd = open_or_throw(scratch / "stdout", O_WRONLY | O_CREAT | O_TRUNC);
  const int err_fd = open_or_throw(scratch / "stderr", O_WRONLY | O_CREAT | O_TRUNC);
  const pid_t pid = spawn(argv, in_fd, out_fd, err_fd);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  CommandResult result;
  result.exit_code = wait_bounded(pid, timeout);
  if (result.exit_code == -1000) {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  result.out = read_file(scratch / "stdout");
  result.err = read_file(scratch / "stderr");
  return result;
}

CommandResult run_or_throw(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  auto result = run_command(argv, "", timeout);
  if (result.exit_code != 0) {
    std::string line;
    for (const auto& word : argv) line += word + " ";
    throw std::runtime_error(line + "failed: " + result.err);
  }
  return result;
}

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& log_prefix,
                 const std::filesystem::path& input)
    : out_path_(log_prefix.string() + ".out"), err_path_(log_prefix.string() + ".err") {
  const int in_fd = open_or_throw(input.empty() ? std::filesystem::path("/dev/null") : input, O_RDONLY);
  const int out_fd = open_or_throw(out_path_, O_WRONLY | O_CREAT | O_APPEND);
  const int err_fd = open_or_throw(err_path_, O_WRONLY | O_CREAT | O_APPEND);
  pid_ = spawn(argv, in_fd, out_fd, err_fd);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
}

Process::~Process() {
  if (pid_ > 0 && running()) kill_hard();
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    pid_ = -1;
    exit_code_ = decode_status(status);
    return false;
  }
  return done == 0;
}

int Process::stop(int signal_number, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, signal_number);
  int code = wait_bounded(pid_, timeout);
  if (code == -1000) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  return code;
}

void Process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string Process::output() const { return read_file(out_path_); }
std::string Process::errors() const { return read_file(err_path_); }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/recount-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  path_ = pattern;
}

TempDir::~TempDir() {
  if (std::getenv("RECOUNT_KEEP_TEMP") != nullptr) {
    std::cerr << "kept " << path_ << '\n';
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

int any_free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

int free_loopback_port(const std::vector<int>& taken) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int port = any_free_loopback_port();
    if (std::find(taken.begin(), taken.end(), port) == taken.end()) return port;
  }
  throw std::runtime_error("no free loopback port besides the ones taken");
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  return eventually(
      [port] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        return connected;
      },
      timeout, std::chrono::milliseconds(20));
}

}  // namespace recount::testing
