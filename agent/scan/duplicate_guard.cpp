// Duplicate-scan guard.
#include "agent/scan/duplicate_guard.hpp"

#include "shared/gs1/parser.hpp"

namespace recount::agent {
namespace {

bool carries_serial(std::string_view code) {
  const auto parsed = gs1::parse(code);
  return parsed && parsed->serial().has_value();
}

}  // namespace

DuplicateGuard::DuplicateGuard(std::chrono::milliseconds window, Clock clock)
    : window_(window), clock_(std::move(clock)) {}

ScanVerdict DuplicateGuard::check(std::string_view code, Serialisation serialisation) {
  const auto now = clock_();
  std::erase_if(last_seen_, [&](const auto& entry) { return now - entry.second > window_; });
  const auto [entry, first] = last_seen_.try_emplace(std::string(code), now);
  entry->second = now;
  if (first) return ScanVerdict::kNew;
  const bool serialised =
      serialisation == Serialisation::kSerialised || (serialisation == Serialisation::kDetect && carries_serial(code));
  return serialised ? ScanVerdict::kIgnored : ScanVerdict::kRepeat;
}

}  // namespace recount::agent
