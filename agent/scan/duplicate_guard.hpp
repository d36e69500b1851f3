// Catches the same code scanned twice in quick succession, so that a double read is never
// counted silently: a serialised item (one physical unit) is counted once, any other repeat is
// reported so the person sees it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace recount::agent {

// Whether a code names one physical unit, which can only be counted once.
enum class Serialisation {
  kDetect,         // serialised when the code is GS1 data with a serial number, AI (21)
  kSerialised,     // the caller knows it is (e.g. the catalog tracks the item by serial)
  kNotSerialised,  // the caller knows it is not
};

enum class ScanVerdict {
  kNew,      // not seen within the window: count it
  kRepeat,   // the same code within the window, not serialised: count it, but show it as a repeat
  kIgnored,  // the same serialised code within the window: the same unit read twice; do not count
};

// Not thread-safe: one guard per scan workflow, used on its thread. Memory is bounded by the
// codes seen within one window.
class DuplicateGuard {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `window`: how long after a sighting the same code counts as the same read. `clock` is
  // injected so tests control time.
  explicit DuplicateGuard(std::chrono::milliseconds window, Clock clock = std::chrono::steady_clock::now);

  // Judges a sighting of `code` (the scan's data with its symbology identifier, exactly as
  // scanned) and remembers it: the window restarts at every sighting, so a code held in front
  // of a scanner in continuous mode stays a repeat for as long as it is read.
  ScanVerdict check(std::string_view code, Serialisation serialisation = Serialisation::kDetect);

 private:
  std::chrono::milliseconds window_;
  Clock clock_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_seen_;
};

}  // namespace recount::agent
