// Pseudo-terminal pairs and the links that stand for a scanner's device path.
#include "tests/support/pseudo_terminal.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace recount::testing {

PseudoTerminal::PseudoTerminal() {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master_ >= 0);
  REQUIRE(::grantpt(master_) == 0);
  REQUIRE(::unlockpt(master_) == 0);
  slave_path_ = ::ptsname(master_);
}

PseudoTerminal::~PseudoTerminal() { unplug(); }

void PseudoTerminal::write(std::string_view bytes) {
  REQUIRE(master_ >= 0);
  while (!bytes.empty()) {
    const auto written = ::write(master_, bytes.data(), bytes.size());
    REQUIRE(written > 0);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void PseudoTerminal::unplug() {
  if (master_ >= 0) ::close(master_);
  master_ = -1;
}

ScannerLink::~ScannerLink() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void ScannerLink::point_at(const PseudoTerminal& terminal) {
  auto fresh = path_;
  fresh += ".new";
  std::filesystem::remove(fresh);
  std::filesystem::create_symlink(terminal.slave_path(), fresh);
  std::filesystem::rename(fresh, path_);
}

void ScannerLink::unplug(PseudoTerminal& terminal) {
  std::filesystem::remove(path_);
  terminal.unplug();
}

}  // namespace recount::testing
