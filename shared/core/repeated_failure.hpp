// A failure that repeats while its cause lasts, said in a few lines instead of one per try.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace recount {

// What one source of failures (a poll, a timer, commits) has said. While the database is away
// every poll of a hub fails, several a second: written each time, an outage of an hour is tens of
// thousands of identical lines that bury what came before it. Said here: the first failure at
// once, then at most one line per `every` with how many failures it stands for, and one line when
// the source works again. Not thread-safe: one per source, used on that source's thread.
class RepeatedFailure {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `what` starts every line ("recount-hub: catalog version"); the lines go to standard error.
  explicit RepeatedFailure(std::string what);
  RepeatedFailure(std::string what, std::ostream& log, std::chrono::seconds every, Clock now);

  // "WHAT: REASON" the first time; later ones within `every` of the last line are only counted,
  // and the next line says how many there were: "WHAT: REASON (N more since ..., failing for S s)".
  void failed(std::string_view reason);
  // After two failures or more: "WHAT: works again after S s and N failures" (after one, its line
  // said all there was). Nothing otherwise; cheap to call on every success.
  void worked();

 private:
  std::string what_;
  std::ostream& log_;
  std::chrono::seconds every_;
  Clock now_;
  std::uint64_t failures_ = 0;  // since it last worked
  std::uint64_t unsaid_ = 0;    // of those, since the last line
  std::chrono::steady_clock::time_point first_failed_;
  std::chrono::steady_clock::time_point last_said_;
};

}  // namespace recount
