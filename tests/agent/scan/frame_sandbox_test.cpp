// The decoder's sandbox, applied in a forked child of the test (each test case runs in a process
// of its own, so there is no other thread to fork beside).
#include "agent/scan/frame_sandbox.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iostream>

#include "tests/support/process.hpp"

namespace recount::agent {
namespace {

// What the child could still do, one bit each; 0 when confined as promised.
enum Escape : int {
  kNotConfined = 1,
  kCannotReadNamed = 2,
  kReadOther = 4,
  kCreated = 8,
  kRemoved = 16,
  kTruncated = 32,
  kConnected = 64,
  kSignalled = 128,
};

constexpr int kNoLandlock = 77;

}  // namespace

TEST_CASE("a sandboxed decoder reads the files named and nothing else, writes nowhere, connects nowhere") {
  testing::TempDir dir;
  const auto named = dir / "frame.png";
  const auto other = dir / "journal.db";
  std::ofstream(named) << "frame";
  std::ofstream(other) << "the agent's journal";
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(listen(listener, 1) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const auto confined = confine_to_reading({named});
    if (!confined) _exit(kNotConfined);
    if (!*confined) _exit(kNoLandlock);
    int escapes = 0;
    if (open(named.c_str(), O_RDONLY | O_CLOEXEC) < 0) escapes |= kCannotReadNamed;
    if (open(other.c_str(), O_RDONLY | O_CLOEXEC) >= 0) escapes |= kReadOther;
    if (open((dir / "new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0) escapes |= kCreated;
    if (unlink(other.c_str()) == 0) escapes |= kRemoved;
    if (abi >= 3 && truncate(other.c_str(), 0) == 0) escapes |= kTruncated;
    const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (abi >= 4 && connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) escapes |= kConnected;
    if (abi >= 6 && kill(getppid(), 0) == 0) escapes |= kSignalled;
    _exit(escapes);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  close(listener);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == kNoLandlock) {
    std::cout << "sandbox skipped: the kernel offers no Landlock here" << std::endl;
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(testing::read_file(other) == "the agent's journal");
  CHECK_FALSE(std::filesystem::exists(dir / "new"));
}

}  // namespace recount::agent
