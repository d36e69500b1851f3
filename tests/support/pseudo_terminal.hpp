// A serial scanner for tests: a pseudo-terminal pair whose slave stands in for /dev/ttyACM0 and
// whose master the test writes scans into; closing the master is unplugging the scanner.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace recount::testing {

// Owns the master side. Not thread-safe.
class PseudoTerminal {
 public:
  PseudoTerminal();  // fails the calling test when no pty can be made
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;
  ~PseudoTerminal();

  const std::string& slave_path() const { return slave_path_; }
  // Writes every byte to the master (what the scanner sends); fails the test when it cannot.
  void write(std::string_view bytes);
  // Closes the master: the slave's reader gets a hang-up or EIO, as from an unplugged scanner.
  void unplug();

 private:
  int master_ = -1;
  std::string slave_path_;
};

// A device path the test owns (a symlink), pointed at one pty after another: pty names are not
// stable, so a replugged scanner reappears under the same path only through a link, as udev's
// /dev/serial/by-id links do on a kiosk. Removed at destruction.
class ScannerLink {
 public:
  explicit ScannerLink(std::filesystem::path path) : path_(std::move(path)) {}
  ScannerLink(const ScannerLink&) = delete;
  ScannerLink& operator=(const ScannerLink&) = delete;
  ~ScannerLink();

  const std::filesystem::path& path() const { return path_; }
  // Points the link at `terminal`'s slave, replacing what it pointed at in one rename.
  void point_at(const PseudoTerminal& terminal);
  // Removes the link, then unplugs `terminal`, as udev removes a /dev/serial/by-id link when its
  // scanner goes. The link must not dangle: pty numbers are reused at once, and a test running
  // beside this one may get the number next, whose pty this link's reader would then open.
  void unplug(PseudoTerminal& terminal);

 private:
  std::filesystem::path path_;
};

}  // namespace recount::testing
