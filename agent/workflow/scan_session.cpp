// The floor workflows: scans and command lines in, journal events out.
#include "agent/workflow/scan_session.hpp"

#include <charconv>
#include <utility>

#include "agent/workflow/held_scans.hpp"
#include "shared/core/random_id.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/domain/limits.hpp"
#include "shared/gs1/parser.hpp"

namespace recount::agent {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  std::int64_t value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || begin == end) return std::nullopt;
  if (value > limits::kMaxQuantity || value < -limits::kMaxQuantity) return std::nullopt;
  return value;
}

// Text that is GS1 data rather than a plain code: an AIM identifier, a leading FNC1 (GS), the
// bracketed form or a Digital Link URI.
bool looks_like_gs1(const std::string& text) {
  return text.starts_with("]") || text.starts_with("\x1d") || text.starts_with("(") || text.starts_with("http://") ||
         text.starts_with("https://");
}

Feedback refused(std::string message) { return Feedback{Outcome::kRefused, std::move(message), {}}; }
Feedback done(std::string message) { return Feedback{Outcome::kDone, std::move(message), {}}; }

}  // namespace

ScanSession::ScanSession(Journal& journal, CatalogStore& store, ScanSessionOptions options)
    : journal_(journal),
      store_(store),
      guard_(options.repeat_window, options.clock),
      clock_(std::move(options.clock)),
      pin_tries_(options.pin_tries),
      pin_pause_(options.pin_pause) {
  view_.mode = options.mode;
  update_prompt();
}

Feedback ScanSession::handle(const std::string& line) {
  const auto text = trim(line);
  if (text.empty()) return Feedback{Outcome::kDone, "", {}};
  Feedback feedback;
  if (!view_.pin_badge.empty() && !text.starts_with("#")) {
    feedback = check_pin(view_.pin_badge, text);
  } else if (text.starts_with("#")) {
    view_.pin_badge.clear();  // a command gives up a sign-in waiting for its PIN
    const auto space = text.find(' ');
    const auto name = text.substr(1, space == std::string::npos ? std::string::npos : space - 1);
    const auto argument = space == std::string::npos ? std::string() : trim(text.substr(space + 1));
    feedback = command(name, argument);
  } else {
    feedback = scan(text);
  }
  update_prompt();
  return feedback;
}

Feedback ScanSession::command(const std::string& name, const std::string& argument) {
  if (name == "user") {
    if (argument.empty()) return refused("#user needs your badge id: #user NAME");
    if (!view_.task_id.empty()) return refused("finish recount task " + view_.task_id + " with #close first");
    auto known = store_.has_users();
    if (!known) return refused("cannot read the catalog: " + known.error().describe());
    if (*known) return sign_in(argument);
    view_.user = argument;  // a site without users: any name, as before users were imported
    view_.user_name.clear();
    return done("user " + argument);
  }
  if (name == "mode") {
    const auto mode = parse_work_mode(argument);
    if (!mode) return refused("unknown mode '" + argument + "': use one of " + work_mode_names());
    if (!view_.task_id.empty()) return refused("finish recount task " + view_.task_id + " with #close first");
    view_.mode = *mode;
    view_.location.clear();
    view_.to_location.clear();
    view_.session.clear();
    view_.last_item.reset();
    return done("mode " + argument);
  }
  if (name == "loc") return set_location(argument, LocationRole::kWorked);
  if (name == "to") return set_location(argument, LocationRole::kDestination);
  if (name == "qty") return set_quantity(argument);
  if (name == "undo") return undo();
  if (name == "close") return close_location();
  if (name == "tasks") return list_tasks();
  if (name == "recount") return start_recount(argument);
  if (name == "ref") {
    if (argument.empty()) return refused("#ref needs the PO or ASN: #ref PO-123");
    view_.reference = argument;
    return done("reference " + argument);
  }
  if (name == "reason") {
    const auto reason = parse_reason_code(argument);
    if (!reason) {
      std::string known;
      for (auto code : kAllReasonCodes) known += (known.empty() ? "" : ", ") + std::string(to_string(code));
      return refused("unknown reason '" + argument + "': use one of " + known);
    }
    view_.reason = argument;
    return done("reason " + argument);
  }
  return refused("unknown command #" + name);
}

Feedback ScanSession::sign_in(const std::string& argument) {
  if (const auto now = clock_(); now < paused_until_) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(paused_until_ - now).count();
    return refused("TOO MANY WRONG PINS: WAIT " + std::to_string(wait) + " S, THEN SCAN YOUR BADGE AGAIN");
  }
  const auto space = argument.find(' ');
  const auto badge = argument.substr(0, space);
  const auto pin = space == std::string::npos ? std::string() : trim(argument.substr(space + 1));
  auto user = store_.find_user(badge);
  if (!user) return refused("cannot read the catalog: " + user.error().describe());
  if (!*user) return refused("UNKNOWN BADGE " + badge + ": not a user of this site");
  if ((*user)->pin_hash.empty()) {
    if (!pin.empty()) return refused("badge " + badge + " has no PIN: scan #user " + badge + " alone");
    view_.user = badge;
    view_.user_name = (*user)->name;
    return done("user " + badge + ((*user)->name.empty() ? "" : " (" + (*user)->name + ")"));
  }
  // The badge changes hands only with its PIN: until then nobody is signed in.
  view_.user.clear();
  view_.user_name.clear();
  if (pin.empty()) {
    view_.pin_badge = badge;
    return done("ENTER THE PIN FOR " + badge);
  }
  return check_pin(badge, pin);
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): a copy, since `badge` may be view_.pin_badge, cleared below
Feedback ScanSession::check_pin(std::string badge, const std::string& pin) {
  view_.pin_badge.clear();
  auto user = store_.find_user(badge);
  if (!user) return refused("cannot read the catalog: " + user.error().describe());
  if (!*user) return refused("UNKNOWN BADGE " + badge + ": not a user of this site");  // the catalog changed
  auto match = crypto::verify_pin(pin, (*user)->pin_hash);
  if (!match) return refused("badge " + badge + " cannot sign in: " + match.error().describe());
  if (*match == crypto::PinMatch::kMatch) {
    wrong_pins_ = 0;
    view_.user = badge;
    view_.user_name = (*user)->name;
    return done("user " + badge + ((*user)->name.empty() ? "" : " (" + (*user)->name + ")"));
  }
  if (++wrong_pins_ >= pin_tries_) {
    wrong_pins_ = 0;
    paused_until_ = clock_() + pin_pause_;
    return refused("WRONG PIN: TOO MANY TRIES, WAIT " + std::to_string(pin_pause_.count()) + " S");
  }
  view_.pin_badge = badge;
  const int left = pin_tries_ - wrong_pins_;
  return refused("WRONG PIN FOR " + badge + ": " + std::to_string(left) + (left == 1 ? " TRY" : " TRIES") + " LEFT");
}

Feedback ScanSession::set_location(const std::string& text, LocationRole role) {
  const bool destination = role == LocationRole::kDestination;
  if (text.empty()) return refused(destination ? "#to needs a location" : "#loc needs a location");
  if (!view_.task_id.empty())
    return refused("recount task " + view_.task_id + " is at " + view_.location + ": finish it with #close first");
  auto found = store_.find_location(text);
  if (!found) return refused("cannot read the catalog: " + found.error().describe());
  if (!*found) return refused("UNKNOWN LOCATION " + text + ": not in the catalog");
  const auto& location = (*found)->location;
  if (destination) {
    if (view_.mode != WorkMode::kPutaway && view_.mode != WorkMode::kMove) {
      return refused("#to is for putaway and move");
    }
    if (location == view_.location) return refused("destination must differ from " + view_.location);
    view_.to_location = location;
    return done("to " + location);
  }
  if (location != view_.location) {
    view_.location = location;
    view_.last_item.reset();
    if (view_.mode == WorkMode::kCount) new_session();
  }
  const auto& location_class = (*found)->location_class;
  const bool from_dock = view_.mode == WorkMode::kReceive || view_.mode == WorkMode::kPutaway;
  if (from_dock && !location_class.empty() && location_class != "dock") {
    // Receiving and put-away start at a dock; another class is allowed but shown.
    return Feedback{Outcome::kWarning, "location " + location + " is a " + location_class + ", not a dock", {}};
  }
  return done((view_.mode == WorkMode::kReceive ? "dock " : "location ") + location);
}

void ScanSession::new_session() { view_.session = "cs-" + uuid_v7(journal_.wall_now()); }

std::optional<Feedback> ScanSession::missing_context() const {
  if (view_.user.empty()) return refused("SCAN YOUR BADGE FIRST: #user NAME");
  if (view_.location.empty()) {
    return refused(view_.mode == WorkMode::kReceive ? "SCAN THE DOCK LOCATION FIRST" : "SCAN A LOCATION LABEL FIRST");
  }
  switch (view_.mode) {
    case WorkMode::kReceive:
      if (view_.reference.empty()) return refused("SCAN THE PO/ASN FIRST: #ref REFERENCE");
      break;
    case WorkMode::kPutaway:
    case WorkMode::kMove:
      if (view_.to_location.empty()) return refused("SCAN THE DESTINATION FIRST: #to LOCATION");
      break;
    case WorkMode::kAdjust:
      if (view_.reason.empty()) return refused("SCAN A REASON FIRST: #reason CODE");
      break;
    case WorkMode::kCount:
    case WorkMode::kSale:
    case WorkMode::kReturn:
    case WorkMode::kDamage: break;  // a register's location is all a sale, return or damage needs
  }
  return std::nullopt;
}

Feedback ScanSession::scan(const std::string& text) {
  const bool gs1_data = looks_like_gs1(text);
  if (!gs1_data) {
    // A location label sets the location (put-away/move: the destination once a source is set).
    auto location = store_.find_location(text);
    if (!location) return refused("cannot read the catalog: " + location.error().describe());
    if (*location) {
      const bool destination = (view_.mode == WorkMode::kPutaway || view_.mode == WorkMode::kMove) &&
                               !view_.location.empty() && (*location)->location != view_.location;
      return set_location((*location)->location, destination ? LocationRole::kDestination : LocationRole::kWorked);
    }
  }
  if (auto missing = missing_context()) return *missing;

  Event draft;
  draft.user = view_.user;
  draft.location = view_.location;
  draft.session = view_.mode == WorkMode::kCount ? view_.session : "";
  draft.task_id = view_.task_id;
  std::string key = text;
  std::int64_t units_per_scan = 1;
  if (gs1_data) {
    auto parsed = gs1::parse(text);
    if (!parsed) return refused("CANNOT READ THIS CODE, SCAN AGAIN: " + parsed.error().describe());
    auto gtin = parsed->gtin();
    if (!gtin) gtin = parsed->content_gtin();
    if (!gtin) return refused("this GS1 code names no product (no GTIN): " + parsed->hri());
    key = *gtin;
    draft.lot = parsed->lot().value_or("");
    draft.expiry = parsed->expiry().value_or("");
    draft.serial = parsed->serial().value_or("");
    units_per_scan = parsed->count().value_or(1);
    draft.barcode = parsed->plain_gtin ? *parsed->plain_gtin : parsed->hri();
  } else {
    draft.barcode = text;
  }
  const auto verdict = guard_.check(text);
  if (verdict == ScanVerdict::kIgnored) {
    return Feedback{Outcome::kWarning, "SAME UNIT SCANNED TWICE (serial " + draft.serial + "): NOT COUNTED AGAIN", {}};
  }
  auto match = store_.find_barcode(key);
  if (!match) return refused("cannot read the catalog: " + match.error().describe());
  if (!*match) return keep_unresolved(draft.barcode, draft);

  draft.sku = (*match)->sku;
  const Event event =
      item_event(view_.mode, ModeContext{view_.to_location, view_.reference, parse_reason_code(view_.reason)},
                 (*match)->pack_qty * units_per_scan, std::move(draft));
  Action action{event, view_.mode, 0, tally_key(event), (*match)->description};
  if (auto ok = record_delta(action, event.qty); !ok) {
    return refused("NOT RECORDED: " + ok.error().describe());
  }
  actions_.push_back(action);
  show_last(action);
  const auto& last = *view_.last_item;
  std::string message =
      std::string(to_string(event.type)) + " " + std::to_string(event.qty) + " x " + event.sku +
      ((*match)->pack_qty > 1 ? " (pack of " + std::to_string((*match)->pack_qty) + ")" : "") +
      (event.lot.empty() ? "" : " lot " + event.lot) + (event.expiry.empty() ? "" : " exp " + event.expiry) +
      (event.serial.empty() ? "" : " serial " + event.serial) + " - running count " + std::to_string(last.running);
  if (verdict == ScanVerdict::kRepeat) {
    return Feedback{Outcome::kWarning, "REPEAT SCAN, COUNTED: " + message + " (#undo if it was one item)", {}};
  }
  return done(message);
}

std::string ScanSession::tally_key(const Event& event) const {
  // Counts add up per session; other movements per mode and their locations and reference.
  return std::string(to_string(event.type)) + '\x1f' + event.location + '\x1f' + event.to_location + '\x1f' +
         event.reference + '\x1f' + event.session + '\x1f' + event.task_id + '\x1f' + event.sku + '\x1f' + event.lot +
         '\x1f' + (event.reason ? std::string(to_string(*event.reason)) : "");
}

void ScanSession::show_last(const Action& action) {
  view_.last_item = LastItem{action.base.sku, action.description, action.base.lot, tallies_[action.tally_key]};
}

Result<void> ScanSession::record_delta(Action& action, std::int64_t delta) {
  if (delta == 0) return {};
  Event event = action.base;
  event.qty = delta;
  if (action.mode == WorkMode::kReceive && delta < 0) {
    // Units received in error leave the dock again by an adjustment against the reference.
    event.type = EventType::kAdjust;
    event.reason = ReasonCode::kReceivingError;
  } else if ((action.mode == WorkMode::kPutaway || action.mode == WorkMode::kMove) && delta < 0) {
    // Units moved in error go back where they came from.
    event.type = EventType::kMove;
    std::swap(event.location, event.to_location);
    event.qty = -delta;
  } else if (action.mode == WorkMode::kSale && delta < 0) {
    // A sale taken back at the register (#undo, a lower #qty): the units are on the shelf again.
    event.type = EventType::kAdjust;
    event.reason = ReasonCode::kDataEntryError;
    event.qty = -delta;
  }
  auto recorded = journal_.record(event);
  if (!recorded) return recorded.error();
  action.net += delta;
  tallies_[action.tally_key] += delta;
  return {};
}

Feedback ScanSession::keep_unresolved(const std::string& barcode, const Event& context) {
  UnresolvedScan scan;
  scan.wall_ms = journal_.wall_now();
  scan.barcode = barcode;
  scan.mode = std::string(to_string(view_.mode));
  scan.user = context.user;
  scan.location = context.location;
  scan.to_location = view_.mode == WorkMode::kPutaway || view_.mode == WorkMode::kMove ? view_.to_location : "";
  scan.reference = view_.mode == WorkMode::kReceive ? view_.reference : "";
  scan.reason = view_.mode == WorkMode::kAdjust || view_.mode == WorkMode::kDamage ? view_.reason : "";
  scan.session = context.session;
  scan.task_id = context.task_id;
  scan.lot = context.lot;
  scan.expiry = context.expiry;
  scan.serial = context.serial;
  auto id = hold_scan(journal_, std::move(scan));
  if (!id) return refused("NOT KEPT: " + id.error().describe());
  return Feedback{Outcome::kWarning,
                  "UNKNOWN BARCODE " + barcode + ": NOT COUNTED, kept as unresolved scan #" + std::to_string(*id) +
                      " for the office to map (put the item aside)",
                  {}};
}

Feedback ScanSession::set_quantity(const std::string& argument) {
  if (actions_.empty()) return refused("#qty sets the quantity of the item just scanned: scan an item first");
  auto& action = actions_.back();
  const auto quantity = parse_integer(argument);
  if (!quantity) return refused("#qty needs a whole number, e.g. #qty 12");
  if (action.mode != WorkMode::kAdjust && *quantity < 0) return refused("#qty must be 0 or more");
  std::int64_t target = *quantity;
  if (action.mode == WorkMode::kAdjust && action.net < 0 && target > 0) target = -target;  // same direction
  if (action.mode == WorkMode::kDamage) target = -target;                                  // damaged units leave stock
  if (action.mode == WorkMode::kCount && tallies_[action.tally_key] - action.net + target < 0) {
    return refused("#qty would make the count negative");
  }
  if (auto ok = record_delta(action, target - action.net); !ok)
    return refused("NOT RECORDED: " + ok.error().describe());
  show_last(action);
  return done("quantity of " + action.base.sku + " set to " + std::to_string(target) + " - running count " +
              std::to_string(view_.last_item->running));
}

Feedback ScanSession::undo() {
  while (!actions_.empty() && actions_.back().net == 0) actions_.pop_back();
  if (actions_.empty()) return refused("nothing to undo");
  auto action = actions_.back();
  if (auto ok = record_delta(action, -action.net); !ok) return refused("NOT RECORDED: " + ok.error().describe());
  actions_.pop_back();
  show_last(action);
  return done("undone: " + action.base.sku + " - running count " + std::to_string(view_.last_item->running));
}

Feedback ScanSession::close_location() {
  if (view_.mode != WorkMode::kCount) return refused("#close ends a count: switch to #mode count");
  if (view_.user.empty()) return refused("SCAN YOUR BADGE FIRST: #user NAME");
  if (view_.location.empty()) return refused("no location to close: scan a location label");
  Event event;
  event.type = EventType::kLocationClosed;
  event.user = view_.user;
  event.location = view_.location;
  event.session = view_.session;
  event.task_id = view_.task_id;
  auto recorded = journal_.record(event);
  if (!recorded) return refused("NOT RECORDED: " + recorded.error().describe());
  const std::string message =
      "location " + view_.location + " closed" +
      (view_.task_id.empty()
           ? ""
           : (view_.task_kind == protocol::TaskKind::kPlanned ? ", planned count " : ", recount task ") +
                 view_.task_id + " done");
  view_.location.clear();
  view_.session.clear();
  view_.task_id.clear();
  view_.task_kind = protocol::TaskKind::kRecount;
  view_.last_item.reset();
  actions_.clear();
  return done(message);
}

Feedback ScanSession::list_tasks() {
  auto tasks = store_.open_tasks();
  if (!tasks) return refused("cannot read the tasks: " + tasks.error().describe());
  Feedback feedback = done(std::to_string(tasks->size()) + " open task" + (tasks->size() == 1 ? "" : "s"));
  for (const auto& task : *tasks) {
    // A planned count is due by a count plan; a recount answers a variance. Neither shows a quantity.
    std::string line = std::string(task.kind == protocol::TaskKind::kPlanned ? "PLANNED " : "RECOUNT ") + task.task_id +
                       " at " + task.location;
    if (!task.sku.empty()) line += " sku " + task.sku;
    if (!task.lot.empty()) line += " lot " + task.lot;
    if (task.round > 1) line += " round " + std::to_string(task.round);
    if (!task.exclude_user.empty()) line += " (not " + task.exclude_user + ")";
    if (!task.hint.empty()) line += " - " + task.hint;
    feedback.detail.push_back(line);
  }
  return feedback;
}

Feedback ScanSession::start_recount(const std::string& task_id) {
  if (task_id.empty()) return refused("#recount needs a task id (#tasks lists them)");
  if (view_.user.empty()) return refused("SCAN YOUR BADGE FIRST: #user NAME");
  if (!view_.task_id.empty()) return refused("finish recount task " + view_.task_id + " with #close first");
  auto task = store_.find_task(task_id);
  if (!task) return refused("cannot read the tasks: " + task.error().describe());
  if (!*task) return refused("no open recount task " + task_id + " (#tasks lists them)");
  if ((*task)->exclude_user == view_.user) {
    return refused("task " + task_id + " must be counted by someone other than " + view_.user);
  }
  view_.mode = WorkMode::kCount;
  view_.location = (*task)->location;
  view_.to_location.clear();
  view_.task_id = task_id;
  view_.task_kind = (*task)->kind;
  view_.last_item.reset();
  new_session();
  return done(((*task)->kind == protocol::TaskKind::kPlanned ? "PLANNED COUNT " : "BLIND RECOUNT ") + task_id + " at " +
              view_.location + ((*task)->sku.empty() ? ": count every item" : ": count " + (*task)->sku) +
              ", then #close");
}

void ScanSession::update_prompt() {
  if (!view_.pin_badge.empty()) {
    view_.prompt = "ENTER THE PIN FOR " + view_.pin_badge;
  } else if (view_.user.empty()) {
    view_.prompt = "SCAN YOUR BADGE";
  } else if (view_.location.empty()) {
    view_.prompt = view_.mode == WorkMode::kReceive ? "SCAN THE DOCK" : "SCAN A LOCATION";
  } else if (view_.mode == WorkMode::kReceive && view_.reference.empty()) {
    view_.prompt = "SCAN THE PO / ASN";
  } else if ((view_.mode == WorkMode::kPutaway || view_.mode == WorkMode::kMove) && view_.to_location.empty()) {
    view_.prompt = "SCAN THE DESTINATION";
  } else if (view_.mode == WorkMode::kAdjust && view_.reason.empty()) {
    view_.prompt = "SCAN A REASON";
  } else if (view_.mode == WorkMode::kCount) {
    view_.prompt = "SCAN ITEMS - #close WHEN THE LOCATION IS DONE";
  } else {
    view_.prompt = "SCAN ITEMS";
  }
}

}  // namespace recount::agent
