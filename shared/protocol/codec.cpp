// JSON encoding and strict, non-throwing decoding of the sync protocol's messages (docs/protocol.md).
#include "shared/protocol/codec.hpp"

#include <algorithm>
#include <charconv>
#include <concepts>
#include <iterator>
#include <limits>
#include <optional>
#include <unordered_set>
#include <utility>

#include "shared/core/random_id.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/domain/identifiers.hpp"
#include "shared/domain/limits.hpp"
#include "shared/protocol/json_document.hpp"
#include "shared/protocol/utf8.hpp"

namespace recount::protocol {
namespace {

// Sequence numbers, acks, backlogs and versions are stored in signed 64-bit SQL columns.
constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxUnixMs = std::numeric_limits<std::int64_t>::max();

std::string_view state_name(DeviceState state) { return state == DeviceState::kOnline ? "online" : "offline"; }

std::optional<DeviceState> parse_device_state(std::string_view text) {
  if (text == "online") return DeviceState::kOnline;
  if (text == "offline") return DeviceState::kOffline;
  return std::nullopt;
}

// Reads the fields of one JSON object into a message. The first error sticks: later reads return
// defaults and change nothing, so a decoder is a flat list of reads followed by finish(). Every
// error names its field as a path from the payload's root ("tasks[2].round").
class Reader {
 public:
  explicit Reader(JsonValue object) : object_(object) {}

  bool ok() const { return !error_; }
  const Error& error() const { return *error_; }

  void fail(Error error) {
    if (!error_) error_ = std::move(error);
  }
  void fail(std::string_view key, std::string message) {
    fail(invalid(std::string(key), std::move(message)).within(path()));
  }

  template <typename T>
  Result<T> finish(T value) const {
    if (error_) return *error_;
    return value;
  }

  // Any string; emptiness and format are the caller's concern. "" when absent and optional.
  std::string text(std::string_view key, Presence presence) {
    const std::optional<JsonValue> value = find(key, presence);
    if (!value) return {};
    if (!value->is_string()) {
      fail(key, "must be a string");
      return {};
    }
    return std::string(value->string());
  }

  // A code of at most max_length bytes (see validate_code).
  std::string code(std::string_view key, std::size_t max_length, Presence presence) {
    std::string value = text(key, presence);
    if (auto valid = validate_code(key, value, max_length, presence); ok() && !valid)
      fail(valid.error().within(path()));
    return value;
  }

  std::string identifier(std::string_view key) {
    std::string value = text(key, Presence::kRequired);
    if (auto valid = validate_identifier(key, value); ok() && !valid) fail(valid.error().within(path()));
    return value;
  }

  std::string epoch(std::string_view key, Presence presence) {
    std::string value = text(key, presence);
    if (ok() && !value.empty() && !is_epoch(value)) fail(key, "must be 16 lowercase hex digits");
    if (ok() && value.empty() && presence == Presence::kRequired) fail(key, "must not be empty");
    return value;
  }

  // A JSON integer within [minimum, maximum]. Floats (even 1.0), booleans and integers too large
  // for 64 bits (which the parser turns into floats) are refused.
  template <typename Int>
  Int integer(std::string_view key, Int minimum = std::numeric_limits<Int>::min(),
              Int maximum = std::numeric_limits<Int>::max()) {
    const std::optional<JsonValue> value = find(key, Presence::kRequired);
    if (!value) return minimum;
    if (!value->is_integer()) {
      fail(key, "must be an integer");
      return minimum;
    }
    // The parser keeps non-negative integers as uint64 and negative ones as int64.
    const bool is_unsigned = value->kind() == JsonValue::Kind::kUnsigned;
    const bool in_range = is_unsigned ? in_bounds(value->unsigned_integer(), minimum, maximum)
                                      : in_bounds(value->signed_integer(), minimum, maximum);
    if (!in_range) {
      fail(key, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum));
      return minimum;
    }
    return is_unsigned ? static_cast<Int>(value->unsigned_integer()) : static_cast<Int>(value->signed_integer());
  }

  // One of the names `parse` knows; nullopt when absent and optional, or on error.
  template <typename Parse>
  auto choice(std::string_view key, Presence presence, Parse parse) -> decltype(parse(std::string_view())) {
    const std::string name = text(key, presence);
    if (!ok() || (name.empty() && presence == Presence::kOptional)) return std::nullopt;
    auto value = parse(name);
    if (!value) fail(key, "is not one of the values docs/protocol.md lists");
    return value;
  }

  // The array at `key` with at most max_count elements, or nullopt after an error or when it is
  // absent and optional.
  std::optional<JsonValue> list(std::string_view key, std::size_t max_count, Presence presence = Presence::kRequired) {
    const std::optional<JsonValue> value = find(key, presence);
    if (!value) return std::nullopt;
    if (!value->is_array()) {
      fail(key, "must be an array");
      return std::nullopt;
    }
    if (value->size() > max_count) {
      fail(key, "holds more than " + std::to_string(max_count) + " elements");
      return std::nullopt;
    }
    return value;
  }

  // Reads every element of the array at `key` as an object with read_element(Reader&) -> T.
  // An absent optional array reads as empty.
  template <typename ReadElement>
  auto objects(std::string_view key, ReadElement read_element,
               std::size_t max_count = std::numeric_limits<std::size_t>::max(),
               Presence presence = Presence::kRequired) {
    std::vector<decltype(read_element(std::declval<Reader&>()))> out;
    const std::optional<JsonValue> array = list(key, max_count, presence);
    if (!array) return out;
    out.reserve(array->size());
    std::size_t i = 0;
    array->for_each_element([&](JsonValue value) {
      Reader element = at(key, i++, value);
      if (!ok()) return false;
      out.push_back(read_element(element));
      if (!element.ok()) fail(element.error());
      return ok();
    });
    return out;
  }

  // A reader for element i of the array at `key`. Fails this reader unless the element is an
  // object; check ok() before reading through the element's reader.
  // The element's reader refers to this one, which must outlive it.
  Reader at(std::string_view key, std::size_t i, JsonValue element) {
    if (!element.is_object()) fail(element_name(key, i), "must be an object");
    return Reader(element, this, key, i);
  }

  // The path from the payload's root to this reader's object ("" at the root).
  std::string path() const {
    if (parent_ == nullptr) return {};
    // Error::within() owns the path syntax; borrow it rather than spell it twice.
    return invalid(element_name(key_, index_), {}).within(parent_->path()).field;
  }

  // Fails at `key` when `value` is one the message already used where ids must be unique.
  void distinct(std::string_view key, const std::string& value, std::unordered_set<std::string>& seen) {
    if (ok() && !seen.insert(value).second) fail(key, "repeats an earlier element's value");
  }

 private:
  // Paths are spelled only when an error needs one: most payloads have none.
  Reader(JsonValue object, const Reader* parent, std::string_view key, std::size_t index)
      : object_(object), parent_(parent), key_(key), index_(index) {}

  static std::string element_name(std::string_view key, std::size_t i) {
    return std::string(key) + "[" + std::to_string(i) + "]";
  }

  template <typename From, typename Int>
  static bool in_bounds(From value, Int minimum, Int maximum) {
    return std::cmp_greater_equal(value, minimum) && std::cmp_less_equal(value, maximum);
  }

  std::optional<JsonValue> find(std::string_view key, Presence presence) {
    if (!ok()) return std::nullopt;
    const std::optional<JsonValue> value = object_.find(key);
    if (!value && presence == Presence::kRequired) fail(key, "is required");
    return value;
  }

  JsonValue object_;
  const Reader* parent_ = nullptr;  // with key_ and index_: where this object stands in it
  std::string_view key_;
  std::size_t index_ = 0;
  std::optional<Error> error_;
};

// Parses a payload of at most max_bytes, checks that it is an object of protocol version 1, and
// reads it with read(Reader&) -> T.
template <typename Read>
auto decode_payload(std::string_view payload, std::size_t max_bytes, Read read)
    -> Result<decltype(read(std::declval<Reader&>()))> {
  if (payload.size() > max_bytes) {
    return invalid("", "payload of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                           std::to_string(max_bytes));
  }
  const Result<JsonDocument> document = JsonDocument::parse(payload, limits::kMaxJsonDepth);
  if (!document) return document.error();
  const JsonValue root = document->root();
  if (!root.is_object()) return invalid("", "payload must be a JSON object");
  // Any integer other than ours is a version we do not speak, however large: no range check.
  const std::optional<JsonValue> version = root.find("v");
  if (!version) return invalid("v", "is required");
  if (!version->is_integer()) return invalid("v", "must be an integer");
  const bool is_unsigned = version->kind() == JsonValue::Kind::kUnsigned;
  if (!is_unsigned || version->unsigned_integer() != static_cast<std::uint64_t>(limits::kProtocolVersion)) {
    const std::string number =
        is_unsigned ? std::to_string(version->unsigned_integer()) : std::to_string(version->signed_integer());
    return Error{ErrorCode::kUnsupportedVersion, "v",
                 "protocol version " + number + " is not supported (this build speaks " +
                     std::to_string(limits::kProtocolVersion) + ")"};
  }
  Reader in(root);
  auto value = read(in);
  return in.finish(std::move(value));
}

std::int64_t unix_ms(Reader& in, std::string_view key) { return in.integer<std::int64_t>(key, 1, kMaxUnixMs); }

std::uint64_t counter(Reader& in, std::string_view key, std::uint64_t minimum = 0) {
  return in.integer<std::uint64_t>(key, minimum, kMaxCounter);
}

// Reads an event's fields by type only: every rule on their values is validate()'s, so the codec
// and the journal cannot disagree on what a valid event is.
Result<Event> read_event(Reader& in) {
  Event event;
  event.seq = in.integer<std::uint64_t>("seq", 0, kMaxCounter);
  event.event_id = in.text("event_id", Presence::kRequired);
  event.type = in.choice("type", Presence::kRequired, parse_event_type).value_or(EventType::kCount);
  event.wall_ms = in.integer<std::int64_t>("wall_ms");
  event.hlc = HlcStamp{in.integer<std::uint64_t>("hlc")};
  event.user = in.text("user", Presence::kOptional);
  event.location = in.text("location", Presence::kOptional);
  event.to_location = in.text("to", Presence::kOptional);
  event.sku = in.text("sku", Presence::kOptional);
  event.lot = in.text("lot", Presence::kOptional);
  event.expiry = in.text("expiry", Presence::kOptional);
  event.serial = in.text("serial", Presence::kOptional);
  event.qty = in.integer<std::int64_t>("qty");
  event.reason = in.choice("reason", Presence::kOptional, parse_reason_code);
  event.reference = in.text("ref", Presence::kOptional);
  event.session = in.text("session", Presence::kOptional);
  event.task_id = in.text("task_id", Presence::kOptional);
  event.barcode = in.text("barcode", Presence::kOptional);
  event.system = in.text("system", Presence::kOptional);
  if (!in.ok()) return in.error();
  if (auto valid = validate(event); !valid) return valid.error().within(in.path());
  return event;
}

// The first pass over a batch: each element must be an object with a readable seq, and the seqs
// must count up by one, or the hub could not say which seqs the payload covered.
void read_seqs(Reader& in, JsonValue events, DecodedBatch& decoded) {
  std::size_t i = 0;
  events.for_each_element([&](JsonValue object) {
    Reader element = in.at("events", i, object);
    if (!in.ok()) return false;
    const std::uint64_t seq = counter(element, "seq", 1);
    if (i == 0) decoded.first_seq = seq;
    if (element.ok() && seq != decoded.first_seq + i) {
      element.fail("seq", "must be " + std::to_string(decoded.first_seq + i) + ": seqs in a batch are consecutive");
    }
    if (!element.ok()) {
      in.fail(element.error());
      return false;
    }
    decoded.last_seq = seq;
    ++i;
    return true;
  });
}

RejectedEvent reject(JsonValue object, std::uint64_t seq, Error error) {
  RejectedEvent rejected{seq, {}, std::move(error)};
  if (const auto id = object.find("event_id"); id && id->is_string() && is_uuid(std::string(id->string()))) {
    rejected.event_id = id->string();
  }
  return rejected;
}

DecodedBatch read_batch(Reader& in) {
  DecodedBatch decoded;
  decoded.batch.site = in.identifier("site");
  decoded.batch.device = in.identifier("device");
  decoded.batch.epoch = in.epoch("epoch", Presence::kRequired);
  const std::optional<JsonValue> events = in.list("events", limits::kMaxBatchEvents);
  if (!events) return decoded;
  if (events->size() == 0) {
    in.fail("events", "must hold at least one event");
    return decoded;
  }
  read_seqs(in, *events, decoded);
  if (!in.ok()) return decoded;
  decoded.batch.events.reserve(events->size());
  std::size_t i = 0;
  events->for_each_element([&](JsonValue object) {
    const std::uint64_t seq = decoded.first_seq + i;
    Reader element = in.at("events", i++, object);
    auto event = read_event(element);
    if (!event) {
      decoded.rejected.push_back(reject(object, seq, event.error()));
    } else if (!device_may_record(event->type)) {
      decoded.rejected.push_back(
          reject(object, seq,
                 invalid("type", "is recorded only by the hub's imports, never by a device").within(element.path())));
    } else {
      decoded.batch.events.push_back(std::move(*event));
    }
    return true;
  });
  return decoded;
}

NackEntry read_nack_entry(Reader& in) {
  NackEntry entry;
  entry.seq = counter(in, "seq", 1);
  entry.event_id = in.text("event_id", Presence::kOptional);
  if (in.ok() && !entry.event_id.empty() && !is_uuid(entry.event_id)) in.fail("event_id", "must be a lowercase UUID");
  entry.field = in.code("field", limits::kMaxReference, Presence::kOptional);
  entry.reason = in.code("reason", limits::kMaxText, Presence::kRequired);
  return entry;
}

RecountTask read_task(Reader& in) {
  RecountTask task;
  task.task_id = in.code("task_id", limits::kMaxReference, Presence::kRequired);
  task.location = in.code("location", limits::kMaxCode, Presence::kRequired);
  task.sku = in.code("sku", limits::kMaxCode, Presence::kOptional);
  task.lot = in.code("lot", limits::kMaxCode, Presence::kOptional);
  task.round = in.integer<std::uint32_t>("round", 1);
  task.exclude_user = in.code("exclude_user", limits::kMaxCode, Presence::kOptional);
  task.hint = in.code("hint", limits::kMaxText, Presence::kOptional);
  task.created_ms = unix_ms(in, "created_ms");
  return task;
}

CatalogBarcode read_barcode(Reader& in, std::unordered_set<std::string>& seen_codes) {
  CatalogBarcode barcode;
  barcode.code = in.code("code", limits::kMaxBarcode, Presence::kRequired);
  in.distinct("code", barcode.code, seen_codes);
  barcode.pack_qty = in.integer<std::int64_t>("pack_qty", 1, limits::kMaxQuantity);
  return barcode;
}

CatalogItem read_item(Reader& in, std::unordered_set<std::string>& seen_skus,
                      std::unordered_set<std::string>& seen_codes) {
  CatalogItem item;
  item.sku = in.code("sku", limits::kMaxCode, Presence::kRequired);
  in.distinct("sku", item.sku, seen_skus);
  item.description = in.code("description", limits::kMaxText, Presence::kOptional);
  item.unit_cost_cents = in.integer<std::int64_t>("unit_cost_cents", 0);
  item.item_class = in.code("item_class", limits::kMaxCode, Presence::kOptional);
  item.barcodes = in.objects("barcodes", [&](Reader& element) { return read_barcode(element, seen_codes); });
  return item;
}

CatalogLocation read_location(Reader& in, std::unordered_set<std::string>& seen_locations) {
  CatalogLocation location;
  location.location = in.code("location", limits::kMaxCode, Presence::kRequired);
  in.distinct("location", location.location, seen_locations);
  location.label = in.code("label", limits::kMaxBarcode, Presence::kOptional);
  location.location_class = in.code("location_class", limits::kMaxCode, Presence::kOptional);
  return location;
}

CatalogUser read_user(Reader& in, std::unordered_set<std::string>& seen_badges) {
  CatalogUser user;
  user.badge = in.code("badge", limits::kMaxCode, Presence::kRequired);
  in.distinct("badge", user.badge, seen_badges);
  user.name = in.code("name", limits::kMaxText, Presence::kOptional);
  user.role = in.code("role", limits::kMaxCode, Presence::kOptional);
  user.pin_hash = in.text("pin_hash", Presence::kOptional);
  if (in.ok() && !user.pin_hash.empty()) {
    if (auto valid = crypto::check_pin_hash("pin_hash", user.pin_hash); !valid)
      in.fail(valid.error().within(in.path()));
  }
  return user;
}

// Writes one message as compact JSON straight into a string, members in the order written and
// "v" first, so the output reads in the order docs/protocol.md lists the fields. Strings are
// escaped as nlohmann's dump() escapes them: the short escapes, \u00XX for other control
// characters, UTF-8 as is; bytes that are not UTF-8 become U+FFFD as with its
// error_handler_t::replace, so encoders never fail.
class Writer {
 public:
  // `expected_bytes`: room to reserve, so that a large message is not copied as it grows.
  explicit Writer(std::size_t expected_bytes = 256) {
    out_.reserve(expected_bytes);
    out_ = "{\"v\":";
    number(limits::kProtocolVersion);
  }

  // The message's text; the writer is spent.
  std::string finish() && {
    out_ += '}';
    return std::move(out_);
  }

  void field(std::string_view key, std::string_view value) {
    name(key);
    string(value);
  }

  template <std::integral Int>
  void field(std::string_view key, Int value) {
    name(key);
    number(value);
  }

  // Optional strings are omitted when empty, as docs/protocol.md specifies.
  void optional(std::string_view key, std::string_view value) {
    if (!value.empty()) field(key, value);
  }

  // An array of objects, each written by write(Writer&, const T&).
  template <typename T, typename Write>
  void objects(std::string_view key, const std::vector<T>& values, Write write) {
    name(key);
    out_ += '[';
    for (const T& value : values) {
      separate();
      out_ += '{';
      write(*this, value);
      out_ += '}';
    }
    out_ += ']';
  }

 private:
  // A comma before every member or element but the first of its object or array.
  void separate() {
    if (out_.back() != '{' && out_.back() != '[') out_ += ',';
  }

  void name(std::string_view key) {
    separate();
    string(key);
    out_ += ':';
  }

  template <std::integral Int>
  void number(Int value) {
    char digits[24];
    const auto written = std::to_chars(std::begin(digits), std::end(digits), value);
    out_.append(digits, written.ptr);
  }

  void string(std::string_view text) {
    out_ += '"';
    const auto* at = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = at + text.size();
    while (at != end) {
      const auto* const plain = at;
      while (at != end && *at >= 0x20 && *at < 0x80 && *at != '"' && *at != '\\') ++at;
      out_.append(plain, at);
      if (at == end) break;
      if (*at >= 0x80) {
        const Utf8Sequence sequence = utf8_sequence(at, end);
        if (sequence.valid) {
          out_.append(at, at + sequence.length);
        } else {
          out_ += "\xEF\xBF\xBD";
        }
        // A byte that breaks a sequence may start the next one, so it is read again.
        at += std::max<std::size_t>(sequence.length, 1);
        continue;
      }
      escape(*at++);
    }
    out_ += '"';
  }

  void escape(unsigned char c) {
    switch (c) {
      case '"': out_ += "\\\""; return;
      case '\\': out_ += "\\\\"; return;
      case '\b': out_ += "\\b"; return;
      case '\f': out_ += "\\f"; return;
      case '\n': out_ += "\\n"; return;
      case '\r': out_ += "\\r"; return;
      case '\t': out_ += "\\t"; return;
      default: {
        constexpr std::string_view kHex = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xF];
      }
    }
  }

  std::string out_;
};

void write_event(Writer& out, const Event& event) {
  out.field("seq", event.seq);
  out.field("event_id", event.event_id);
  out.field("type", to_string(event.type));
  out.field("wall_ms", event.wall_ms);
  out.field("hlc", event.hlc.packed);
  out.optional("user", event.user);
  out.optional("location", event.location);
  out.optional("to", event.to_location);
  out.optional("sku", event.sku);
  out.optional("lot", event.lot);
  out.optional("expiry", event.expiry);
  out.optional("serial", event.serial);
  out.field("qty", event.qty);
  if (event.reason) out.field("reason", to_string(*event.reason));
  out.optional("ref", event.reference);
  out.optional("session", event.session);
  out.optional("task_id", event.task_id);
  out.optional("barcode", event.barcode);
  out.optional("system", event.system);
}

}  // namespace

std::string encode(const EventBatch& batch) {
  // Realistic events take about 200 bytes; a larger one costs one more allocation.
  Writer out(128 + 256 * batch.events.size());
  out.field("site", batch.site);
  out.field("device", batch.device);
  out.field("epoch", batch.epoch);
  out.objects("events", batch.events, write_event);
  return std::move(out).finish();
}

std::string encode(const Hello& hello) {
  Writer out;
  out.field("site", hello.site);
  out.field("device", hello.device);
  out.field("epoch", hello.epoch);
  out.field("last_seq", hello.last_seq);
  out.field("acked_through", hello.acked_through);
  out.field("wall_ms", hello.wall_ms);
  out.field("hlc", hello.hlc.packed);
  out.optional("agent_version", hello.agent_version);
  return std::move(out).finish();
}

std::string encode(const Ack& ack) {
  Writer out;
  out.field("device", ack.device);
  out.field("epoch", ack.epoch);
  out.field("acked_through", ack.acked_through);
  out.field("hub_wall_ms", ack.hub_wall_ms);
  out.field("hub_hlc", ack.hub_hlc.packed);
  return std::move(out).finish();
}

std::string encode(const Nack& nack) {
  Writer out;
  out.field("device", nack.device);
  out.optional("epoch", nack.epoch);
  out.objects("rejected", nack.rejected, [](Writer& element, const NackEntry& entry) {
    element.field("seq", entry.seq);
    element.optional("event_id", entry.event_id);
    element.optional("field", entry.field);
    element.field("reason", entry.reason);
  });
  out.optional("payload_error", nack.payload_error);
  return std::move(out).finish();
}

std::string encode(const Status& status) {
  Writer out;
  out.field("device", status.device);
  out.field("state", state_name(status.state));
  out.field("backlog", status.backlog);
  out.field("acked_through", status.acked_through);
  out.field("skew_ms", status.skew_ms);
  out.field("wall_ms", status.wall_ms);
  return std::move(out).finish();
}

std::string encode(const TaskList& tasks) {
  Writer out;
  out.field("site", tasks.site);
  out.field("version", tasks.version);
  out.objects("tasks", tasks.tasks, [](Writer& element, const RecountTask& task) {
    element.field("task_id", task.task_id);
    element.field("location", task.location);
    element.optional("sku", task.sku);
    element.optional("lot", task.lot);
    element.field("round", task.round);
    element.optional("exclude_user", task.exclude_user);
    element.optional("hint", task.hint);
    element.field("created_ms", task.created_ms);
  });
  return std::move(out).finish();
}

std::string encode(const Catalog& catalog) {
  Writer out;
  out.field("site", catalog.site);
  out.field("version", catalog.version);
  out.objects("items", catalog.items, [](Writer& element, const CatalogItem& item) {
    element.field("sku", item.sku);
    element.optional("description", item.description);
    element.field("unit_cost_cents", item.unit_cost_cents);
    element.optional("item_class", item.item_class);
    element.objects("barcodes", item.barcodes, [](Writer& code, const CatalogBarcode& barcode) {
      code.field("code", barcode.code);
      code.field("pack_qty", barcode.pack_qty);
    });
  });
  out.objects("locations", catalog.locations, [](Writer& element, const CatalogLocation& location) {
    element.field("location", location.location);
    element.optional("label", location.label);
    element.optional("location_class", location.location_class);
  });
  // Omitted when empty, so a site without users gets the catalog older agents know.
  if (!catalog.users.empty()) {
    out.objects("users", catalog.users, [](Writer& element, const CatalogUser& user) {
      element.field("badge", user.badge);
      element.optional("name", user.name);
      element.optional("role", user.role);
      element.optional("pin_hash", user.pin_hash);
    });
  }
  return std::move(out).finish();
}

std::string encode_event(const Event& event) {
  Writer out;
  write_event(out, event);
  return std::move(out).finish();
}

Result<DecodedBatch> decode_event_batch(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, read_batch);
}

Result<Hello> decode_hello(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    Hello hello;
    hello.site = in.identifier("site");
    hello.device = in.identifier("device");
    hello.epoch = in.epoch("epoch", Presence::kRequired);
    hello.last_seq = counter(in, "last_seq");
    hello.acked_through = counter(in, "acked_through");
    if (in.ok() && hello.acked_through > hello.last_seq) in.fail("acked_through", "must not exceed last_seq");
    hello.wall_ms = unix_ms(in, "wall_ms");
    hello.hlc = HlcStamp{in.integer<std::uint64_t>("hlc")};
    hello.agent_version = in.code("agent_version", limits::kMaxCode, Presence::kOptional);
    return hello;
  });
}

Result<Ack> decode_ack(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    Ack ack;
    ack.device = in.identifier("device");
    ack.epoch = in.epoch("epoch", Presence::kRequired);
    ack.acked_through = counter(in, "acked_through");
    ack.hub_wall_ms = unix_ms(in, "hub_wall_ms");
    ack.hub_hlc = HlcStamp{in.integer<std::uint64_t>("hub_hlc")};
    return ack;
  });
}

Result<Nack> decode_nack(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    Nack nack;
    nack.device = in.identifier("device");
    nack.epoch = in.epoch("epoch", Presence::kOptional);
    nack.rejected = in.objects("rejected", read_nack_entry, limits::kMaxBatchEvents);
    nack.payload_error = in.code("payload_error", limits::kMaxText, Presence::kOptional);
    if (in.ok() && nack.rejected.empty() && nack.payload_error.empty()) {
      in.fail("rejected", "must name a rejected event when there is no payload_error");
    }
    return nack;
  });
}

Result<Status> decode_status(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    Status status;
    status.device = in.identifier("device");
    status.state = in.choice("state", Presence::kRequired, parse_device_state).value_or(DeviceState::kOffline);
    status.backlog = counter(in, "backlog");
    status.acked_through = counter(in, "acked_through");
    status.skew_ms = in.integer<std::int64_t>("skew_ms");
    // 0: not known. A last will is composed before the broker publishes it, at a time nobody knows.
    status.wall_ms = in.integer<std::int64_t>("wall_ms", 0);
    return status;
  });
}

Result<TaskList> decode_task_list(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    TaskList list;
    list.site = in.identifier("site");
    list.version = counter(in, "version", 1);
    std::unordered_set<std::string> seen_ids;
    list.tasks = in.objects("tasks", [&](Reader& element) {
      RecountTask task = read_task(element);
      element.distinct("task_id", task.task_id, seen_ids);
      return task;
    });
    return list;
  });
}

Result<Catalog> decode_catalog(std::string_view payload) {
  return decode_payload(payload, limits::kMaxCatalogPayloadBytes, [](Reader& in) {
    Catalog catalog;
    catalog.site = in.identifier("site");
    catalog.version = counter(in, "version", 1);
    std::unordered_set<std::string> seen_skus;
    std::unordered_set<std::string> seen_codes;
    std::unordered_set<std::string> seen_locations;
    catalog.items = in.objects("items", [&](Reader& element) { return read_item(element, seen_skus, seen_codes); });
    catalog.locations =
        in.objects("locations", [&](Reader& element) { return read_location(element, seen_locations); });
    std::unordered_set<std::string> seen_badges;
    catalog.users = in.objects(
        "users", [&](Reader& element) { return read_user(element, seen_badges); }, limits::kMaxCatalogUsers,
        Presence::kOptional);
    return catalog;
  });
}

Result<Event> decode_event(std::string_view payload) {
  return decode_payload(payload, limits::kMaxPayloadBytes, [](Reader& in) {
    auto event = read_event(in);
    if (!event) {
      in.fail(event.error());
      return Event{};
    }
    return std::move(*event);
  });
}

}  // namespace recount::protocol
