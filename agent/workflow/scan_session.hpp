// The floor workflows behind `recount-agent scan`: counting, receiving, put-away, moves and
// adjustments driven by scanned codes and `#` command lines. Every confirmed action is in the
// journal before its feedback is returned; nothing is ever taken back except by a new event.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "agent/scan/duplicate_guard.hpp"
#include "agent/workflow/work_mode.hpp"

namespace recount::agent {

// What happened to one input line. kDone: something was committed or the state changed;
// kWarning: committed or kept, but the person must look (repeat scan, unknown barcode);
// kRefused: nothing was recorded (the message says what to do).
enum class Outcome { kDone, kWarning, kRefused };

struct Feedback {
  Outcome outcome = Outcome::kDone;
  std::string message;              // one line
  std::vector<std::string> detail;  // further lines, e.g. the task list
};

// The item just scanned and its running count in the current context (mode, locations,
// reference, session, task); for counts, the session's tally of it. Never an expected quantity.
struct LastItem {
  std::string sku;
  std::string description;
  std::string lot;
  std::int64_t running = 0;
};

// What the screen shows.
struct SessionView {
  WorkMode mode = WorkMode::kCount;
  std::string user;  // a badge once the site has users (its name too in user_name)
  std::string user_name;
  std::string pin_badge;    // the badge whose PIN the next non-`#` line is; empty otherwise
  std::string location;     // counted bin, dock, or move source
  std::string to_location;  // put-away / move destination
  std::string reference;    // receiving PO/ASN
  std::string reason;       // adjustment reason code
  std::string task_id;      // active task: a blind recount or a planned count
  protocol::TaskKind task_kind = protocol::TaskKind::kRecount;  // of task_id
  std::string session;                                          // count session id
  std::optional<LastItem> last_item;
  std::string prompt;  // what to scan next, in capitals
};

struct ScanSessionOptions {
  std::chrono::milliseconds repeat_window{1500};  // duplicate-scan guard window
  DuplicateGuard::Clock clock = std::chrono::steady_clock::now;
  int pin_tries = 3;  // wrong PINs in a row before `#user` pauses
  std::chrono::seconds pin_pause{30};
  WorkMode mode = WorkMode::kCount;  // the mode the session starts in (`scan --mode`)
};

// One person's scanning session on one device. Not thread-safe. The journal and store must
// outlive it.
class ScanSession {
 public:
  ScanSession(Journal& journal, CatalogStore& store, ScanSessionOptions options = {});

  // Handles one input line: a `#` command or a scanned code (location label, product barcode,
  // GS1 data). Leading/trailing whitespace and CR are ignored; an empty line does nothing.
  // While a PIN is awaited (view().pin_badge), a line that is not a `#` command is the PIN; a
  // command gives up the sign-in. Once the site has users (docs/scanning-workflows.md), `#user`
  // takes only a badge of the catalog, with its PIN when it has one (`#user BADGE`, then the
  // PIN on the next line, or `#user BADGE PIN`); after options.pin_tries wrong PINs in a row,
  // `#user` is refused for options.pin_pause. A PIN check costs one PBKDF2 (crypto::verify_pin).
  Feedback handle(const std::string& line);

  const SessionView& view() const { return view_; }

 private:
  // One item action that #qty and #undo can still change: the event as first recorded (its
  // quantity aside) and the net quantity recorded for it so far.
  struct Action {
    Event base;
    WorkMode mode;
    std::int64_t net = 0;
    std::string tally_key;
    std::string description;
  };

  Feedback command(const std::string& name, const std::string& argument);
  Feedback sign_in(const std::string& argument);
  Feedback check_pin(std::string badge, const std::string& pin);  // badge by value: it may be view_.pin_badge
  Feedback scan(const std::string& text);
  // Where a scanned or typed location goes: the location worked at (count bin, dock, move source)
  // or the put-away / move destination.
  enum class LocationRole { kWorked, kDestination };
  Feedback set_location(const std::string& text, LocationRole role);
  Feedback set_quantity(const std::string& argument);
  Feedback undo();
  Feedback close_location();
  Feedback list_tasks();
  Feedback start_recount(const std::string& task_id);
  std::optional<Feedback> missing_context() const;
  Result<void> record_delta(Action& action, std::int64_t delta);
  Feedback keep_unresolved(const std::string& barcode, const Event& context);
  std::string tally_key(const Event& event) const;
  void new_session();
  void update_prompt();
  void show_last(const Action& action);

  Journal& journal_;
  CatalogStore& store_;
  DuplicateGuard guard_;
  DuplicateGuard::Clock clock_;
  int pin_tries_;
  std::chrono::seconds pin_pause_;
  int wrong_pins_ = 0;  // in a row, whichever badge
  std::chrono::steady_clock::time_point paused_until_{};
  SessionView view_;
  std::vector<Action> actions_;  // undo stack, newest last
  std::map<std::string, std::int64_t> tallies_;
};

}  // namespace recount::agent
