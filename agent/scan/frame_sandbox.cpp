// Landlock (Documentation/userspace-api/landlock.rst), through its system calls: glibc 2.36 has
// no wrappers for them.
#include "agent/scan/frame_sandbox.hpp"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace recount::agent {
namespace {

// Closes a descriptor when it goes out of scope.
struct Descriptor {
  explicit Descriptor(int opened) : fd(opened) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) close(fd);
  }
  int fd = -1;
};

Error refused(const char* step) {
  return Error{ErrorCode::kIo, "sandbox", std::string(step) + ": " + std::strerror(errno)};
}

// The rights of later ABIs, newer than bookworm's kernel headers (6.1); their values are the
// kernel's ABI and do not change.
constexpr std::uint64_t kFsTruncate = std::uint64_t{1} << 14;  // ABI 3 (Linux 6.2)
constexpr std::uint64_t kNetBindTcp = std::uint64_t{1} << 0;   // ABI 4 (6.7)
constexpr std::uint64_t kNetConnectTcp = std::uint64_t{1} << 1;
constexpr std::uint64_t kScopeAbstractUnixSocket = std::uint64_t{1} << 0;  // ABI 6 (6.12)
constexpr std::uint64_t kScopeSignal = std::uint64_t{1} << 1;

// struct landlock_ruleset_attr as of ABI 6; the kernel is given as much of it as its ABI knows.
struct RulesetAttributes {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

// Everything the kernel's Landlock (ABI `abi`) can take away: every file-system right (reading
// the files is given back by a rule each), TCP bind and connect, and signals to and abstract
// sockets of processes outside (the agent).
RulesetAttributes everything_of(long abi, std::size_t& size) {
  RulesetAttributes attributes;
  attributes.handled_access_fs =
      LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
      LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
      LANDLOCK_ACCESS_FS_MAKE_SYM;
  size = sizeof attributes.handled_access_fs;
  if (abi >= 2) attributes.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) attributes.handled_access_fs |= kFsTruncate;
  if (abi >= 4) {
    attributes.handled_access_net = kNetBindTcp | kNetConnectTcp;
    size += sizeof attributes.handled_access_net;
  }
  if (abi >= 6) {
    attributes.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size += sizeof attributes.scoped;
  }
  return attributes;
}

}  // namespace

Result<bool> confine_to_reading(const std::vector<std::filesystem::path>& files) {
  // Asked for by landlock_restrict_self() without CAP_SYS_ADMIN, and worth having anyway.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return refused("no_new_privs");
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return false;
  std::size_t size = 0;
  const RulesetAttributes attributes = everything_of(abi, size);
  const Descriptor ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attributes, size, 0)));
  if (ruleset.fd < 0) return refused("landlock_create_ruleset");
  for (const auto& file : files) {
    const Descriptor opened(open(file.c_str(), O_PATH | O_CLOEXEC));
    struct stat status {};
    // Regular files only: the rule on a directory would let everything beneath it be read.
    if (opened.fd < 0 || fstat(opened.fd, &status) != 0 || !S_ISREG(status.st_mode)) continue;
    const landlock_path_beneath_attr rule{LANDLOCK_ACCESS_FS_READ_FILE, opened.fd};
    if (syscall(SYS_landlock_add_rule, ruleset.fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      return refused("landlock_add_rule");
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset.fd, 0) != 0) return refused("landlock_restrict_self");
  return true;
}

}  // namespace recount::agent
