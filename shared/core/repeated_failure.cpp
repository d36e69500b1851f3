#include "shared/core/repeated_failure.hpp"

#include <iostream>
#include <utility>

namespace recount {
namespace {

long long whole_seconds(std::chrono::steady_clock::duration elapsed) {
  return std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
}

}  // namespace

RepeatedFailure::RepeatedFailure(std::string what)
    : RepeatedFailure(std::move(what), std::cerr, std::chrono::seconds(60), std::chrono::steady_clock::now) {}

RepeatedFailure::RepeatedFailure(std::string what, std::ostream& log, std::chrono::seconds every, Clock now)
    : what_(std::move(what)), log_(log), every_(every), now_(std::move(now)) {}

void RepeatedFailure::failed(std::string_view reason) {
  const auto now = now_();
  if (failures_++ == 0) {
    first_failed_ = now;
  } else if (now - last_said_ < every_) {
    ++unsaid_;
    return;
  }
  log_ << what_ << ": " << reason;
  if (unsaid_ > 0) {
    log_ << " (" << unsaid_ << " more since the last line; failing for " << whole_seconds(now - first_failed_) << " s)";
  }
  log_ << std::endl;
  unsaid_ = 0;
  last_said_ = now;
}

void RepeatedFailure::worked() {
  if (failures_ == 0) return;
  if (failures_ > 1) {
    log_ << what_ << ": works again after " << whole_seconds(now_() - first_failed_) << " s and " << failures_
         << " failures" << std::endl;
  }
  failures_ = 0;
  unsaid_ = 0;
}

}  // namespace recount
