// posix_spawnp with the child's standard error read through a pipe.
#include "hub/daemon/program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace recount::hub {
namespace {

// What a failing tool says is at the end; its whole chatter is not worth keeping.
constexpr std::size_t kKeptErrorBytes = 4096;

Error failure(const std::string& program, const std::string& what, std::string errors) {
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
  for (auto& c : errors) c = c == '\n' ? ' ' : c;
  return Error{ErrorCode::kIo, "", program + " " + what + (errors.empty() ? "" : ": " + errors)};
}

}  // namespace

Result<void> run_program(const std::vector<std::string>& argv) {
  const std::string& program = argv.at(0);
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return failure(program, "cannot run", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, error_pipe[1], STDERR_FILENO);
  std::vector<char*> arguments;
  arguments.reserve(argv.size() + 1);
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, arguments.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(error_pipe[1]);
  if (spawned != 0) {
    ::close(error_pipe[0]);
    return failure(program, "cannot run", std::strerror(spawned));
  }
  std::string errors;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(error_pipe[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    errors.append(buffer, static_cast<std::size_t>(n));
    if (errors.size() > 2 * kKeptErrorBytes) errors.erase(0, errors.size() - kKeptErrorBytes);
  }
  ::close(error_pipe[0]);
  if (errors.size() > kKeptErrorBytes) errors.erase(0, errors.size() - kKeptErrorBytes);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status)) return failure(program, "exited with status " + std::to_string(WEXITSTATUS(status)), errors);
  return failure(program, "was killed by signal " + std::to_string(WTERMSIG(status)), errors);
}

}  // namespace recount::hub
