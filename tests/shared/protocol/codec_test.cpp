// The protocol codec: round trips of every message, the limits of docs/protocol.md, the
// malformed-payload corpus in tests/data/protocol/malformed and the examples of the spec itself.
#include "shared/protocol/codec.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/crypto/pin_hash.hpp"
#include "shared/domain/limits.hpp"
#include "tests/support/process.hpp"

namespace recount::protocol {
namespace {

const std::filesystem::path kMalformedDir = std::filesystem::path(RECOUNT_SOURCE_DIR) / "tests/data/protocol/malformed";

constexpr std::int64_t kWallMs = 1795714800000;
constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::int64_t>::max();

Event count_event(std::uint64_t seq) {
  Event event;
  event.seq = seq;
  const std::string tail = std::to_string(seq % 1'000'000'000'000);
  event.event_id = "01a218f1-5980-7444-9324-" + std::string(12 - tail.size(), '0') + tail;
  event.type = EventType::kCount;
  event.wall_ms = kWallMs + static_cast<std::int64_t>(seq % 1000);
  event.hlc = HlcStamp::from_parts(event.wall_ms, 0);
  event.user = "u-0193";
  event.location = "A-01-03";
  event.sku = "SKU-88412";
  event.qty = 12;
  return event;
}

// An event with every member set, valid for `type` as validate() has it.
Event full_event(EventType type, std::uint64_t seq) {
  Event event = count_event(seq);
  event.type = type;
  event.to_location = "B-02-01";
  event.lot = "L2026-11";
  event.expiry = "2027-05-31";
  event.serial = "SN-000417";
  event.reference = "PO-2026-0042";
  event.session = "cs-2026-11-26-a";
  event.task_id = "rt-2026-11-26-0007";
  event.barcode = "010703206980498815270531102026-11";
  event.system = "shopify";
  if (type == EventType::kAdjust) {
    event.qty = -3;
    event.reason = ReasonCode::kDamage;
  }
  return event;
}

EventBatch sample_batch(std::uint64_t first_seq, std::size_t count) {
  EventBatch batch{"store-0042", "hh-17", "3f9a0c1d22e4b871", {}};
  for (std::size_t i = 0; i < count; ++i) batch.events.push_back(count_event(first_seq + i));
  return batch;
}

Hello sample_hello() {
  return Hello{"store-0042", "hh-17", "3f9a0c1d22e4b871", 104, 100, kWallMs, {117683965722624003ULL}, "0.1.0"};
}

Ack sample_ack() { return Ack{"hh-17", "3f9a0c1d22e4b871", 104, kWallMs + 120, {117683965730488320ULL}}; }

Nack sample_nack() {
  return Nack{"hh-17",
              "3f9a0c1d22e4b871",
              {{103, "01a218f1-6b14-771b-9ef8-37c8ca5ae056", "events[2].reason", "is required for an adjustment"},
               {104, "", "", "is recorded only by the hub's imports, never by a device"}},
              ""};
}

Status sample_status() { return Status{"hh-17", DeviceState::kOffline, 4, 100, -120, kWallMs}; }

TaskList sample_tasks() {
  return TaskList{"store-0042",
                  17,
                  {{"rt-2026-11-26-0007", "A-01-03", "SKU-88412", "L2026-11", 1, "u-0193",
                    "uom_error: check case vs each", kWallMs - 100000},
                   {"rt-2026-11-26-0008", "B-07-01", "", "", 2, "", "", kWallMs - 50000}}};
}

Catalog sample_catalog() {
  return Catalog{"store-0042",
                 9,
                 {{"SKU-88412", "Knäckebröd 250 g", 189, "grocery", {{"5901234123457", 1}, {"15901234123454", 12}}},
                  {"SKU-10", "", 0, "", {}}},
                 {{"A-01-03", "LOC:A-01-03", "shelf"}, {"DOCK-1", "", ""}},
                 {}};
}

Catalog catalog_with_users() {
  Catalog catalog = sample_catalog();
  catalog.users = {{"B-0193", "Ann Lee", "counter", crypto::hash_pin("4711")},
                   {"B-0200", "", "", ""},
                   {"B-0201", "Jo Park", "counter-lead", ""}};
  return catalog;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The error a decoder returns, or a "no error" marker: lets one check compare any decoder.
struct Outcome {
  bool decoded = false;
  Error error;
  std::vector<RejectedEvent> rejected;  // only for event batches
};

template <typename T>
Outcome outcome_of(const Result<T>& result) {
  if (!result) return Outcome{false, result.error(), {}};
  return Outcome{true, {}, {}};
}

Outcome decode_with(const std::string& decoder, std::string_view payload) {
  if (decoder == "event_batch") {
    auto result = decode_event_batch(payload);
    Outcome out = outcome_of(result);
    if (result) out.rejected = result->rejected;
    return out;
  }
  const std::map<std::string, std::function<Outcome(std::string_view)>> decoders{
      {"hello", [](std::string_view p) { return outcome_of(decode_hello(p)); }},
      {"ack", [](std::string_view p) { return outcome_of(decode_ack(p)); }},
      {"nack", [](std::string_view p) { return outcome_of(decode_nack(p)); }},
      {"status", [](std::string_view p) { return outcome_of(decode_status(p)); }},
      {"task_list", [](std::string_view p) { return outcome_of(decode_task_list(p)); }},
      {"catalog", [](std::string_view p) { return outcome_of(decode_catalog(p)); }},
      {"catalog_manifest",
       [](std::string_view p) {
         auto message = decode_catalog_message(p);
         if (message && !std::holds_alternative<CatalogManifest>(*message)) {
           return outcome_of(Result<void>(invalid("chunks", "is required")));
         }
         return outcome_of(message);
       }},
      {"catalog_chunk", [](std::string_view p) { return outcome_of(decode_catalog_chunk(p)); }},
      {"event", [](std::string_view p) { return outcome_of(decode_event(p)); }},
  };
  const auto it = decoders.find(decoder);
  REQUIRE_MESSAGE(it != decoders.end(), "unknown decoder " << decoder);
  return it->second(payload);
}

const std::vector<std::string> kDecoders{"event_batch",   "hello",     "ack",     "nack",
                                         "status",        "task_list", "catalog", "catalog_manifest",
                                         "catalog_chunk", "event"};

struct Fixture {
  std::string file;
  std::string decoder;
  std::string field;
  std::string scope;
  std::string code;
};

std::vector<Fixture> read_manifest() {
  std::ifstream in(kMalformedDir / "expected.tsv");
  REQUIRE(in);
  std::vector<Fixture> fixtures;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream columns(line);
    Fixture fixture;
    std::getline(columns, fixture.file, '\t');
    std::getline(columns, fixture.decoder, '\t');
    std::getline(columns, fixture.field, '\t');
    std::getline(columns, fixture.scope, '\t');
    std::getline(columns, fixture.code, '\t');
    if (fixture.field == "-") fixture.field.clear();
    fixtures.push_back(fixture);
  }
  return fixtures;
}

}  // namespace

TEST_CASE("an event batch survives encoding and decoding unchanged") {
  const EventBatch batch = sample_batch(101, 3);
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE(decoded);
  CHECK(decoded->batch == batch);
  CHECK(decoded->rejected.empty());
  CHECK(decoded->first_seq == 101);
  CHECK(decoded->last_seq == 103);
}

TEST_CASE("every event type a device records round-trips with every member set") {
  EventBatch batch = sample_batch(1, 0);
  std::uint64_t seq = 1;
  for (const EventType type : kAllEventTypes) {
    if (device_may_record(type)) batch.events.push_back(full_event(type, seq++));
  }
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE(decoded);
  CHECK(decoded->rejected.empty());
  CHECK(decoded->batch == batch);
}

TEST_CASE("a stored event of every type round-trips alone") {
  for (const EventType type : kAllEventTypes) {
    CAPTURE(to_string(type));
    const Event event = full_event(type, 7);
    const auto decoded = decode_event(encode_event(event));
    REQUIRE(decoded);
    CHECK(*decoded == event);
  }
}

// What a journal is given to record: the event without the members it assigns.
Event draft_of(Event event) {
  event.seq = 0;
  event.event_id.clear();
  event.wall_ms = 0;
  event.hlc = HlcStamp{};
  return event;
}

TEST_CASE("a draft event decodes without the members its journal assigns, and ignores them when present") {
  const auto bare = decode_draft_event(R"({"type":"count","location":"A-01-03","sku":"SKU-88412","qty":3})");
  REQUIRE_MESSAGE(bare.has_value(), bare.error().describe());
  Event expected = draft_of(count_event(1));
  expected.user.clear();
  expected.qty = 3;
  CHECK(*bare == expected);
  for (const EventType type : kAllEventTypes) {
    CAPTURE(to_string(type));
    const Event event = full_event(type, 9);
    const auto draft = decode_draft_event(encode_event(event));
    REQUIRE_MESSAGE(draft.has_value(), draft.error().describe());
    CHECK(*draft == draft_of(event));
  }
  // Whatever stands in the assigned members is not read: the journal replaces it.
  const auto ignored = decode_draft_event(
      R"({"v":7,"seq":"x","event_id":5,"wall_ms":-1,"hlc":null,"type":"count","location":"A","sku":"S","qty":1})");
  REQUIRE_MESSAGE(ignored.has_value(), ignored.error().describe());
  CHECK(ignored->seq == 0);
  CHECK(ignored->event_id.empty());
}

TEST_CASE("a draft event is held to every other rule of an event, naming the member") {
  struct Case {
    std::string text;
    std::string field;
  };
  const Case cases[] = {
      {"not json", ""},
      {"[1]", ""},
      {R"({"location":"A","sku":"S","qty":1})", "type"},
      {R"({"type":"nonsense","location":"A","sku":"S","qty":1})", "type"},
      {R"({"type":"count","location":"A","sku":"S","qty":"1"})", "qty"},
      {R"({"type":"count","sku":"S","qty":1})", "location"},
      {R"({"type":"count","location":"A","sku":"S","qty":-1})", "qty"},
      {R"({"type":"count","location":" A","sku":"S","qty":1})", "location"},
  };
  for (const Case& test : cases) {
    CAPTURE(test.text);
    const auto draft = decode_draft_event(test.text);
    REQUIRE_FALSE(draft.has_value());
    CHECK(draft.error().code == ErrorCode::kInvalidInput);
    CHECK(draft.error().field == test.field);
  }
}

TEST_CASE("every reason code round-trips on an adjustment") {
  for (const ReasonCode reason : kAllReasonCodes) {
    Event event = full_event(EventType::kAdjust, 9);
    event.reason = reason;
    const auto decoded = decode_event(encode_event(event));
    REQUIRE(decoded);
    CHECK(decoded->reason == reason);
  }
}

TEST_CASE("hello ack nack status tasks and catalog round-trip unchanged") {
  CHECK(decode_hello(encode(sample_hello())).value() == sample_hello());
  CHECK(decode_ack(encode(sample_ack())).value() == sample_ack());
  CHECK(decode_nack(encode(sample_nack())).value() == sample_nack());
  CHECK(decode_status(encode(sample_status())).value() == sample_status());
  CHECK(decode_task_list(encode(sample_tasks())).value() == sample_tasks());
  CHECK(decode_catalog(encode(sample_catalog())).value() == sample_catalog());
}

TEST_CASE("a nack for a whole payload round-trips without an epoch or entries") {
  const Nack nack{"hh-17", "", {}, "events[1].seq: must be 102: seqs in a batch are consecutive"};
  const std::string payload = encode(nack);
  CHECK(payload.find("epoch") == std::string::npos);
  CHECK(decode_nack(payload).value() == nack);
}

TEST_CASE("a last will composed before the clock is known decodes as an offline status") {
  // What recount-agent registers as its will: figures of the moment it connects, or zeros.
  const Status will{"hh-17", DeviceState::kOffline, 0, 0, 0, 0};
  CHECK(decode_status(encode(will)).value() == will);
  Status negative = will;
  negative.wall_ms = -1;
  CHECK(decode_status(encode(negative)).error().field == "wall_ms");
}

TEST_CASE("an online status and an empty task list round-trip") {
  Status status = sample_status();
  status.state = DeviceState::kOnline;
  CHECK(decode_status(encode(status)).value() == status);
  const TaskList none{"store-0042", 18, {}};
  CHECK(decode_task_list(encode(none)).value() == none);
}

TEST_CASE("unicode text round-trips byte for byte") {
  Event event = full_event(EventType::kCount, 5);
  event.location = "Lager Süd 🍎 Regal-3";
  event.sku = "Ürün-仓库-Δ";
  event.user = "Zoë";
  event.barcode = "é\u00a0ß 日本語";
  const auto decoded = decode_event(encode_event(event));
  REQUIRE(decoded);
  CHECK(*decoded == event);

  Catalog catalog = sample_catalog();
  catalog.items[0].description = "Pâté « maison » — 200 g 🥫";
  CHECK(decode_catalog(encode(catalog)).value() == catalog);
}

TEST_CASE("strings of exactly the maximum length in bytes round-trip") {
  // "é" is two bytes: a code of 32 of them is 64 bytes, the limit, though only 32 characters.
  std::string two_byte_code;
  for (int i = 0; i < 32; ++i) two_byte_code += "é";
  REQUIRE(two_byte_code.size() == limits::kMaxCode);
  Event event = full_event(EventType::kReceive, 3);
  event.sku = two_byte_code;
  event.location = std::string(limits::kMaxCode, 'L');
  event.reference = std::string(limits::kMaxReference, 'R');
  event.barcode = std::string(limits::kMaxBarcode, '0');
  CHECK(decode_event(encode_event(event)).value() == event);

  TaskList tasks = sample_tasks();
  tasks.tasks[0].hint = std::string(limits::kMaxText, 'h');
  tasks.tasks[0].task_id = std::string(limits::kMaxReference, 't');
  CHECK(decode_task_list(encode(tasks)).value() == tasks);

  Hello hello = sample_hello();
  hello.site = std::string(limits::kMaxIdentifier, 's');
  hello.device = std::string(limits::kMaxIdentifier, 'd');
  CHECK(decode_hello(encode(hello)).value() == hello);
}

TEST_CASE("a task list of the most tasks a list carries, every field at its longest, fits a payload") {
  // '"' is the worst case: one byte in a code, two once JSON escapes it.
  auto longest = [](std::size_t bytes) { return std::string(bytes, '"'); };
  TaskList tasks{std::string(limits::kMaxIdentifier, 's'), std::numeric_limits<std::int64_t>::max(), {}};
  for (std::size_t index = 0; index < limits::kMaxTasksPerList; ++index) {
    tasks.tasks.push_back({longest(limits::kMaxReference - 4) + std::to_string(1000 + index), longest(limits::kMaxCode),
                           longest(limits::kMaxCode), longest(limits::kMaxCode),
                           std::numeric_limits<std::uint32_t>::max(), longest(limits::kMaxCode),
                           longest(limits::kMaxText), std::numeric_limits<std::int64_t>::max(), TaskKind::kPlanned});
  }
  const auto payload = encode(tasks);
  CHECK(payload.size() <= limits::kMaxPayloadBytes);
  CHECK(decode_task_list(payload).value() == tasks);
}

TEST_CASE("a planned task round-trips with its kind and a recount task is sent without one") {
  TaskList tasks = sample_tasks();
  tasks.tasks[1].kind = TaskKind::kPlanned;
  const std::string payload = encode(tasks);
  CHECK(decode_task_list(payload).value() == tasks);
  CHECK(payload.find(R"("created_ms":1795714750000,"kind":"planned"})") != std::string::npos);
  CHECK(payload.find(R"("kind":"recount")") == std::string::npos);
}

TEST_CASE("a task list from a hub before task kinds decodes with every task a recount") {
  const auto tasks = decode_task_list(
      R"({"v":1,"site":"store-0042","version":17,"tasks":[{"task_id":"rt-1","location":"A-01-03","round":1,)"
      R"("created_ms":1795714700000},{"task_id":"rt-2","location":"B-07-01","round":2,"created_ms":1795714750000}]})");
  REQUIRE(tasks.has_value());
  REQUIRE(tasks->tasks.size() == 2);
  CHECK(tasks->tasks[0].kind == TaskKind::kRecount);
  CHECK(tasks->tasks[1].kind == TaskKind::kRecount);
}

TEST_CASE("a task of a kind the protocol does not list is rejected at its field") {
  const auto tasks = decode_task_list(
      R"({"v":1,"site":"s","version":1,"tasks":[{"task_id":"t","location":"A","round":1,"created_ms":1,"kind":"audit"}]})");
  REQUIRE_FALSE(tasks.has_value());
  CHECK(tasks.error().field == "tasks[0].kind");
}

TEST_CASE("a string one byte over its limit is rejected at its field") {
  Event event = full_event(EventType::kCount, 3);
  event.sku = std::string(limits::kMaxCode, 'S') + "é";  // 66 bytes, 65 characters
  CHECK(decode_event(encode_event(event)).error().field == "sku");

  Catalog catalog = sample_catalog();
  catalog.items[1].description = std::string(limits::kMaxText + 1, 'd');
  CHECK(decode_catalog(encode(catalog)).error().field == "items[1].description");

  Hello hello = sample_hello();
  hello.device = std::string(limits::kMaxIdentifier + 1, 'd');
  CHECK(decode_hello(encode(hello)).error().field == "device");
}

TEST_CASE("64-bit extremes of every integer type round-trip") {
  Event event = full_event(EventType::kAdjust, kMaxCounter);
  event.hlc = HlcStamp{std::numeric_limits<std::uint64_t>::max()};
  event.wall_ms = std::numeric_limits<std::int64_t>::max();
  event.qty = -limits::kMaxQuantity;
  CHECK(decode_event(encode_event(event)).value() == event);

  Status status = sample_status();
  status.skew_ms = std::numeric_limits<std::int64_t>::min();
  status.backlog = kMaxCounter;
  CHECK(decode_status(encode(status)).value() == status);

  TaskList tasks = sample_tasks();
  tasks.tasks[1].round = std::numeric_limits<std::uint32_t>::max();
  CHECK(decode_task_list(encode(tasks)).value() == tasks);
}

TEST_CASE("a counter above 2^63 - 1 is rejected though it fits 64 bits unsigned") {
  Ack ack = sample_ack();
  ack.acked_through = kMaxCounter + 1;
  CHECK(decode_ack(encode(ack)).error().field == "acked_through");
}

TEST_CASE("encoders omit empty optional strings and an absent reason") {
  Event event = count_event(1);
  event.user.clear();
  const std::string payload = encode_event(event);
  for (const char* member : {"\"user\"", "\"to\"", "\"lot\"", "\"expiry\"", "\"serial\"", "\"reason\"", "\"ref\"",
                             "\"session\"", "\"task_id\"", "\"barcode\"", "\"system\""}) {
    CAPTURE(member);
    CHECK(payload.find(member) == std::string::npos);
  }
  CHECK(payload.find("\"qty\":12") != std::string::npos);
}

TEST_CASE("every encoded payload opens with the protocol version") {
  const std::string prefix = "{\"v\":1,";
  CHECK(encode(sample_batch(1, 1)).starts_with(prefix));
  CHECK(encode(sample_hello()).starts_with(prefix));
  CHECK(encode(sample_ack()).starts_with(prefix));
  CHECK(encode(sample_nack()).starts_with(prefix));
  CHECK(encode(sample_status()).starts_with(prefix));
  CHECK(encode(sample_tasks()).starts_with(prefix));
  CHECK(encode(sample_catalog()).starts_with(prefix));
  CHECK(encode_event(count_event(1)).starts_with(prefix));
}

TEST_CASE("events use the wire names of the spec") {
  const std::string payload = encode_event(full_event(EventType::kMove, 4));
  CHECK(payload.find("\"to\":\"B-02-01\"") != std::string::npos);
  CHECK(payload.find("\"ref\":\"PO-2026-0042\"") != std::string::npos);
  CHECK(payload.find("\"type\":\"move\"") != std::string::npos);
  CHECK(payload.find("to_location") == std::string::npos);
}

TEST_CASE("unknown members are ignored at every level for forward compatibility") {
  std::string payload = encode(sample_batch(1, 2));
  payload = replace_once(payload, "{\"v\":1,", R"({"v":1,"compression":"none","extra":{"deep":[1,2.5,null]},)");
  payload = replace_once(payload, "\"seq\":2,", R"("seq":2,"gps":[52.5,13.4],)");
  const auto decoded = decode_event_batch(payload);
  REQUIRE(decoded);
  CHECK(decoded->batch == sample_batch(1, 2));

  std::string catalog = replace_once(encode(sample_catalog()), "\"pack_qty\":12", R"("pack_qty":12,"uom":"case")");
  CHECK(decode_catalog(catalog).value() == sample_catalog());
}

TEST_CASE("an empty string is read as an absent optional member") {
  const std::string payload = replace_once(encode_event(count_event(2)), "\"qty\"", R"("lot":"","barcode":"","qty")");
  CHECK(decode_event(payload).value() == count_event(2));
}

TEST_CASE("a payload of another protocol version is rejected as unsupported") {
  for (const char* version : {"2", "0", "-1", "18446744073709551615"}) {
    const std::string payload = replace_once(encode(sample_hello()), "\"v\":1", std::string("\"v\":") + version);
    const auto decoded = decode_hello(payload);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == ErrorCode::kUnsupportedVersion);
    CHECK(decoded.error().field == "v");
  }
}

TEST_CASE("a missing or mistyped version is invalid input rather than unsupported") {
  const auto missing = decode_ack(replace_once(encode(sample_ack()), "\"v\":1,", ""));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kInvalidInput);
  CHECK(missing.error().field == "v");
  const auto text = decode_ack(replace_once(encode(sample_ack()), "\"v\":1", R"("v":"1")"));
  CHECK(text.error().code == ErrorCode::kInvalidInput);
}

TEST_CASE("the version is checked before any other member") {
  // A v2 payload may be shaped differently: it must be reported as a version problem.
  const auto decoded = decode_event_batch(R"({"v":2,"batches":[]})");
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == ErrorCode::kUnsupportedVersion);
}

TEST_CASE("a payload over the size limit is rejected before it is parsed") {
  const std::string batch = encode(sample_batch(1, 1));
  std::string at_limit = batch + std::string(limits::kMaxPayloadBytes - batch.size(), ' ');
  CHECK(decode_event_batch(at_limit));
  at_limit.push_back(' ');
  const auto over = decode_event_batch(at_limit);
  REQUIRE_FALSE(over);
  CHECK(over.error().field.empty());
  CHECK(over.error().message.find("exceeds the limit") != std::string::npos);
}

TEST_CASE("a catalog may be larger than other payloads up to its own limit") {
  Catalog catalog = sample_catalog();
  for (int i = 0; catalog.items.size() < 8000; ++i) {
    catalog.items.push_back({"BULK-" + std::to_string(i), std::string(100, 'x'), i, "bulk", {}});
  }
  const std::string payload = encode(catalog);
  REQUIRE(payload.size() > limits::kMaxPayloadBytes);
  CHECK(decode_catalog(payload).value() == catalog);
  CHECK_FALSE(decode_hello(payload));

  const std::string oversized = payload + std::string(limits::kMaxCatalogPayloadBytes - payload.size() + 1, ' ');
  CHECK(decode_catalog(oversized).error().message.find("exceeds the limit") != std::string::npos);
}

TEST_CASE("a batch with an invalid event keeps the valid ones and covers the whole seq range") {
  EventBatch batch = sample_batch(41, 3);
  batch.events[1].qty = -4;
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE(decoded);
  CHECK(decoded->first_seq == 41);
  CHECK(decoded->last_seq == 43);
  REQUIRE(decoded->batch.events.size() == 2);
  CHECK(decoded->batch.events[0].seq == 41);
  CHECK(decoded->batch.events[1].seq == 43);
  REQUIRE(decoded->rejected.size() == 1);
  CHECK(decoded->rejected[0].seq == 42);
  CHECK(decoded->rejected[0].event_id == batch.events[1].event_id);
  CHECK(decoded->rejected[0].error.field == "events[1].qty");
  CHECK(decoded->rejected[0].error.code == ErrorCode::kInvalidInput);
}

TEST_CASE("a batch whose events are all invalid still decodes with every event rejected") {
  EventBatch batch = sample_batch(1, 3);
  for (Event& event : batch.events) event.sku.clear();
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE(decoded);
  CHECK(decoded->batch.events.empty());
  CHECK(decoded->rejected.size() == 3);
  CHECK(decoded->batch.epoch == batch.epoch);
  CHECK(decoded->last_seq == 3);
}

TEST_CASE("a rejected event keeps its event id only when it is a uuid") {
  EventBatch batch = sample_batch(1, 2);
  batch.events[0].type = EventType::kBaseline;
  batch.events[1].event_id = "not-a-uuid";
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE(decoded);
  REQUIRE(decoded->rejected.size() == 2);
  CHECK(decoded->rejected[0].event_id == batch.events[0].event_id);
  CHECK(decoded->rejected[0].error.field == "events[0].type");
  CHECK(decoded->rejected[1].event_id.empty());
  CHECK(decoded->rejected[1].error.field == "events[1].event_id");
}

TEST_CASE("snapshots and baselines are refused from devices but decode as stored events") {
  for (const EventType type : {EventType::kSnapshot, EventType::kBaseline}) {
    EventBatch batch = sample_batch(1, 1);
    batch.events[0] = full_event(type, 1);
    const auto decoded = decode_event_batch(encode(batch));
    REQUIRE(decoded);
    REQUIRE(decoded->rejected.size() == 1);
    CHECK(decoded->rejected[0].error.field == "events[0].type");
    CHECK(decode_event(encode_event(batch.events[0])));
  }
}

TEST_CASE("a batch holds at most kMaxBatchEvents events") {
  CHECK(decode_event_batch(encode(sample_batch(1, limits::kMaxBatchEvents))));
  const auto over = decode_event_batch(encode(sample_batch(1, limits::kMaxBatchEvents + 1)));
  REQUIRE_FALSE(over);
  CHECK(over.error().field == "events");
}

TEST_CASE("seqs out of step reject the whole batch naming the first one out of step") {
  EventBatch batch = sample_batch(10, 4);
  batch.events[2].seq = 13;
  batch.events[3].seq = 14;
  const auto decoded = decode_event_batch(encode(batch));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().field == "events[2].seq");
  CHECK(decoded.error().message.find("must be 12") != std::string::npos);
}

TEST_CASE("a batch may end at the largest seq a counter holds") {
  const auto decoded = decode_event_batch(encode(sample_batch(kMaxCounter - 1, 2)));
  REQUIRE(decoded);
  CHECK(decoded->last_seq == kMaxCounter);
}

TEST_CASE("integer members refuse floats booleans strings and null") {
  const std::string payload = encode(sample_status());
  for (const char* value : {"4.0", "4.5", "4e0", "true", "false", "\"4\"", "null", "[4]", "{}"}) {
    CAPTURE(value);
    const auto decoded = decode_status(replace_once(payload, "\"backlog\":4", std::string("\"backlog\":") + value));
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().field == "backlog");
  }
}

TEST_CASE("integers that do not fit 64 bits are rejected rather than wrapped") {
  const std::string payload = encode_event(count_event(3));
  for (const char* qty :
       {"9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890"}) {
    CAPTURE(qty);
    const auto decoded = decode_event(replace_once(payload, "\"qty\":12", std::string("\"qty\":") + qty));
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().field == "qty");
  }
}

TEST_CASE("a hello may not claim more acknowledged than it holds") {
  Hello hello = sample_hello();
  hello.acked_through = hello.last_seq;
  CHECK(decode_hello(encode(hello)));
  hello.acked_through = hello.last_seq + 1;
  CHECK(decode_hello(encode(hello)).error().field == "acked_through");
}

TEST_CASE("a hello's pruned_through round-trips, is omitted at 0 and may not exceed acked_through") {
  Hello hello = sample_hello();
  CHECK(encode(hello).find("pruned_through") == std::string::npos);
  hello.pruned_through = hello.acked_through;
  CHECK(decode_hello(encode(hello)).value() == hello);
  hello.pruned_through = hello.acked_through + 1;
  CHECK(decode_hello(encode(hello)).error().field == "pruned_through");
}

TEST_CASE("a hello from an empty journal is valid") {
  Hello hello = sample_hello();
  hello.last_seq = 0;
  hello.acked_through = 0;
  hello.agent_version.clear();
  CHECK(decode_hello(encode(hello)).value() == hello);
}

TEST_CASE("a nack must name a rejected event or a payload error") {
  Nack nack = sample_nack();
  nack.rejected.clear();
  CHECK(decode_nack(encode(nack)).error().field == "rejected");
}

TEST_CASE("ids that must be unique are rejected where they repeat") {
  TaskList tasks = sample_tasks();
  tasks.tasks[1].task_id = tasks.tasks[0].task_id;
  CHECK(decode_task_list(encode(tasks)).error().field == "tasks[1].task_id");

  Catalog skus = sample_catalog();
  skus.items[1].sku = skus.items[0].sku;
  CHECK(decode_catalog(encode(skus)).error().field == "items[1].sku");

  Catalog codes = sample_catalog();
  codes.items[1].barcodes.push_back({"15901234123454", 1});
  CHECK(decode_catalog(encode(codes)).error().field == "items[1].barcodes[0].code");

  Catalog locations = sample_catalog();
  locations.locations[1].location = locations.locations[0].location;
  CHECK(decode_catalog(encode(locations)).error().field == "locations[1].location");
}

TEST_CASE("a catalog with users round-trips, one without users has no users member") {
  const Catalog catalog = catalog_with_users();  // each call salts its PIN afresh
  CHECK(decode_catalog(encode(catalog)).value() == catalog);
  CHECK(encode(catalog).find("\"users\":[{\"badge\":\"B-0193\"") != std::string::npos);
  CHECK(encode(sample_catalog()).find("users") == std::string::npos);
}

TEST_CASE("a catalog from before users decodes as a site without users") {
  // The payload an older hub publishes: no "users" member at all.
  const std::string old =
      R"({"v":1,"site":"S1","version":3,"items":[{"sku":"A","unit_cost_cents":1,"barcodes":[]}],"locations":[]})";
  const auto decoded = decode_catalog(old);
  REQUIRE(decoded);
  CHECK(decoded->users.empty());
  CHECK(decoded->items.size() == 1);
}

TEST_CASE("a catalog's users are checked: badges unique, PIN hashes well-formed, no more than the limit") {
  Catalog repeated = catalog_with_users();
  repeated.users[2].badge = repeated.users[0].badge;
  CHECK(decode_catalog(encode(repeated)).error().field == "users[2].badge");

  Catalog no_badge = catalog_with_users();
  no_badge.users[1].badge = "";
  CHECK(decode_catalog(encode(no_badge)).error().field == "users[1].badge");

  Catalog clear_pin = catalog_with_users();
  clear_pin.users[0].pin_hash = "4711";  // a PIN in clear is no hash
  CHECK(decode_catalog(encode(clear_pin)).error().field == "users[0].pin_hash");

  Catalog costly = catalog_with_users();
  const std::string iterations = "$" + std::to_string(crypto::kPinIterations) + "$";
  costly.users[0].pin_hash.replace(costly.users[0].pin_hash.find(iterations), iterations.size(), "$99999999$");
  CHECK(decode_catalog(encode(costly)).error().field == "users[0].pin_hash");

  const std::string not_a_list = replace_once(encode(sample_catalog()), "\"locations\":", R"("users":{},"locations":)");
  CHECK(decode_catalog(not_a_list).error().field == "users");

  Catalog crowd = sample_catalog();
  for (std::size_t i = 0; i <= limits::kMaxCatalogUsers; ++i)
    crowd.users.push_back({"B" + std::to_string(i), "", "", ""});
  CHECK(decode_catalog(encode(crowd)).error().field == "users");
}

TEST_CASE("errors inside nested arrays name the full path") {
  Catalog catalog = sample_catalog();
  catalog.items[0].barcodes[1].pack_qty = limits::kMaxQuantity + 1;
  const auto decoded = decode_catalog(encode(catalog));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().field == "items[0].barcodes[1].pack_qty");
  CHECK(decoded.error().describe().starts_with("items[0].barcodes[1].pack_qty: must be between 1 and 1000000000"));
}

TEST_CASE("the first error in document order is the one reported") {
  Ack ack = sample_ack();
  ack.device = "bad device";
  ack.epoch = "nope";
  CHECK(decode_ack(encode(ack)).error().field == "device");
}

TEST_CASE("deeply nested JSON is rejected as a whole payload, naming the depth limit, without exhausting the stack") {
  const std::size_t depth = limits::kMaxPayloadBytes / 2 - 16;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  const std::string too_deep =
      "payload nests arrays and objects more than " + std::to_string(limits::kMaxJsonDepth) + " levels deep";
  CHECK(decode_event_batch(nested).error().message == too_deep);
  const std::string in_member = R"({"v":1,"site":)" + std::string(depth - 8, '[') + std::string(depth - 8, ']') + "}";
  const auto in_task_list = decode_task_list(in_member);
  CHECK(in_task_list.error().field.empty());
  CHECK(in_task_list.error().message == too_deep);
  // One event of a batch nesting deep, without an event_id: the payload is refused whole, before
  // any event is read.
  const std::string deep_event =
      R"({"v":1,"site":"s","device":"d","epoch":"00000000000000e1","events":[{"seq":1,"x":)" +
      std::string(100'000, '[') + std::string(100'000, ']') + "}]}";
  CHECK(decode_event_batch(deep_event).error().message == too_deep);
}

TEST_CASE("nesting up to the depth limit is read, so a deep but legal unknown member is only ignored") {
  const std::size_t inner = limits::kMaxJsonDepth - 3;  // the root, events and the event are three levels
  const std::string payload = R"({"v":1,"site":"s","device":"d","epoch":"00000000000000e1","events":[{"seq":1,"x":)" +
                              std::string(inner, '[') + std::string(inner, ']') + "}]}";
  const auto decoded = decode_event_batch(payload);
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().describe());
  CHECK(decoded->rejected.size() == 1);  // for its missing fields, not its depth
  const std::string one_more = R"({"v":1,"site":"s","device":"d","epoch":"00000000000000e1","events":[{"seq":1,"x":)" +
                               std::string(inner + 1, '[') + std::string(inner + 1, ']') + "}]}";
  CHECK_FALSE(decode_event_batch(one_more).has_value());
}

TEST_CASE("encoding a string that is not utf-8 does not throw") {
  Nack nack = sample_nack();
  nack.rejected[0].reason = "bad \xff byte";
  std::string payload;
  CHECK_NOTHROW(payload = encode(nack));
  CHECK(decode_nack(payload));
}

TEST_CASE("decoders neither throw nor crash on random bytes and mutated payloads") {
  std::mt19937 random(20261126);
  const std::vector<std::string> seeds{encode(sample_batch(1, 3)), encode(sample_hello()),
                                       encode(sample_ack()),       encode(sample_nack()),
                                       encode(sample_status()),    encode(sample_tasks()),
                                       encode(sample_catalog()),   encode_event(full_event(EventType::kAdjust, 2))};
  for (int round = 0; round < 4000; ++round) {
    std::string payload = seeds[static_cast<std::size_t>(round) % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int edit = 0; edit < edits; ++edit) {
      const std::size_t at = random() % payload.size();
      payload[at] = static_cast<char>(random() % 256);
    }
    if (round % 7 == 0) payload.resize(random() % payload.size());
    for (const std::string& decoder : kDecoders) CHECK_NOTHROW(decode_with(decoder, payload));
  }
}

TEST_CASE("every malformed fixture is rejected at the field its manifest names") {
  const auto fixtures = read_manifest();
  REQUIRE(fixtures.size() > 100);
  for (const Fixture& fixture : fixtures) {
    CAPTURE(fixture.file);
    const std::string payload = testing::read_file(kMalformedDir / fixture.file);
    const Outcome outcome = decode_with(fixture.decoder, payload);
    if (fixture.scope == "payload") {
      REQUIRE_FALSE(outcome.decoded);
      CHECK(outcome.error.field == fixture.field);
      CHECK(to_string(outcome.error.code) == fixture.code);
    } else {
      REQUIRE(fixture.scope == "event");
      REQUIRE_MESSAGE(outcome.decoded, outcome.error.describe());
      REQUIRE(outcome.rejected.size() == 1);
      CHECK(outcome.rejected[0].error.field == fixture.field);
      CHECK(to_string(outcome.rejected[0].error.code) == fixture.code);
    }
  }
}

TEST_CASE("every file of the malformed corpus is listed in its manifest") {
  std::vector<std::string> listed;
  for (const Fixture& fixture : read_manifest()) listed.push_back(fixture.file);
  for (const auto& entry : std::filesystem::directory_iterator(kMalformedDir)) {
    const std::string name = entry.path().filename().string();
    if (name == "expected.tsv") continue;
    CAPTURE(name);
    CHECK(std::find(listed.begin(), listed.end(), name) != listed.end());
  }
}

TEST_CASE("every example in docs/protocol.md decodes and every message has one") {
  const std::string spec = testing::read_file(std::filesystem::path(RECOUNT_SOURCE_DIR) / "docs/protocol.md");
  const std::string marker = "<!-- example: ";
  std::map<std::string, int> examples;
  for (auto at = spec.find(marker); at != std::string::npos; at = spec.find(marker, at + 1)) {
    const auto name_end = spec.find(" -->", at);
    const std::string decoder = spec.substr(at + marker.size(), name_end - at - marker.size());
    const auto body = spec.find("```json\n", name_end) + 8;
    const std::string example = spec.substr(body, spec.find("```", body) - body);
    CAPTURE(decoder);
    CAPTURE(example);
    const Outcome outcome = decode_with(decoder, example);
    CHECK_MESSAGE(outcome.decoded, outcome.error.describe());
    CHECK(outcome.rejected.empty());
    ++examples[decoder];
  }
  for (const std::string& decoder : kDecoders) {
    CAPTURE(decoder);
    CHECK(examples[decoder] > 0);
  }
}

}  // namespace recount::protocol

namespace recount::protocol {
namespace {

// What the codec produced while it encoded through nlohmann::ordered_json: the oracle for the
// bytes of today's encoder, which writes the same JSON itself.
std::string nlohmann_encoding(const std::optional<EventBatch>& batch, const Event* alone) {
  auto event_json = [](const Event& event) {
    nlohmann::ordered_json out;
    out["seq"] = event.seq;
    out["event_id"] = event.event_id;
    out["type"] = to_string(event.type);
    out["wall_ms"] = event.wall_ms;
    out["hlc"] = event.hlc.packed;
    const std::pair<const char*, const std::string*> before_qty[] = {
        {"user", &event.user}, {"location", &event.location}, {"to", &event.to_location}, {"sku", &event.sku},
        {"lot", &event.lot},   {"expiry", &event.expiry},     {"serial", &event.serial}};
    for (const auto& [key, value] : before_qty) {
      if (!value->empty()) out[key] = *value;
    }
    out["qty"] = event.qty;
    if (event.reason) out["reason"] = to_string(*event.reason);
    const std::pair<const char*, const std::string*> after_qty[] = {{"ref", &event.reference},
                                                                    {"session", &event.session},
                                                                    {"task_id", &event.task_id},
                                                                    {"barcode", &event.barcode},
                                                                    {"system", &event.system}};
    for (const auto& [key, value] : after_qty) {
      if (!value->empty()) out[key] = *value;
    }
    return out;
  };
  nlohmann::ordered_json out{{"v", limits::kProtocolVersion}};
  if (alone != nullptr) {
    out.update(event_json(*alone));
  } else {
    out["site"] = batch->site;
    out["device"] = batch->device;
    out["epoch"] = batch->epoch;
    out["events"] = nlohmann::ordered_json::array();
    for (const Event& event : batch->events) out["events"].push_back(event_json(event));
  }
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Text that escaping and UTF-8 replacement must treat as nlohmann's dump() does.
const std::vector<std::string> kAwkwardTexts{"",
                                             "plain",
                                             "quote\"d",
                                             "back\\slash",
                                             "/slash",
                                             std::string("nul\0byte", 8),
                                             "\x01\x1f\x7f",
                                             "\b\f\n\r\t",
                                             "caf\xc3\xa9",
                                             "\xe2\x82\xac",
                                             "\xf0\x9f\x98\x80",
                                             "\xff",
                                             "a\xc3",
                                             "\xe2\x82",
                                             "\xe2\x82\xff",
                                             "\xe0\x80\x80",
                                             "\xed\xa0\x80",
                                             "\xf4\x90\x80\x80",
                                             "\xc0\xaf",
                                             "\x80\x80",
                                             "\xf0\x9f\x98",
                                             "mix\xc3\xa9\xff\"\\\x02 end"};

void check_event_bytes(const Event& event) {
  INFO("event: ", nlohmann_encoding(std::nullopt, &event));
  CHECK(encode_event(event) == nlohmann_encoding(std::nullopt, &event));
  const EventBatch batch{"store-0042", "hh-17", "3f9a0c1d22e4b871", {event, count_event(event.seq + 1)}};
  CHECK(encode(batch) == nlohmann_encoding(batch, nullptr));
}

TEST_CASE("events encode byte for byte as the nlohmann encoder wrote them, every optional member included") {
  for (const EventType type : kAllEventTypes) check_event_bytes(full_event(type, 41));
  for (const ReasonCode reason : kAllReasonCodes) {
    Event event = full_event(EventType::kAdjust, 7);
    event.reason = reason;
    check_event_bytes(event);
  }
  check_event_bytes(count_event(1));
  Event extremes = count_event(std::numeric_limits<std::uint64_t>::max());
  extremes.wall_ms = std::numeric_limits<std::int64_t>::min();
  extremes.qty = std::numeric_limits<std::int64_t>::max();
  check_event_bytes(extremes);
}

TEST_CASE("control characters quotes backslashes non-ascii and invalid utf-8 encode as nlohmann dumped them") {
  for (const std::string& text : kAwkwardTexts) {
    for (std::string Event::*field :
         {&Event::user, &Event::location, &Event::to_location, &Event::sku, &Event::lot, &Event::expiry, &Event::serial,
          &Event::reference, &Event::session, &Event::task_id, &Event::barcode, &Event::system, &Event::event_id}) {
      Event event = full_event(EventType::kMove, 3);
      event.*field = text;
      check_event_bytes(event);
    }
  }
  std::mt19937 random(20261128);
  for (int round = 0; round < 3000; ++round) {
    Event event = count_event(5);
    event.barcode.resize(random() % 12);
    for (char& byte : event.barcode) byte = static_cast<char>(random() % 256);
    check_event_bytes(event);
  }
}

TEST_CASE("every message encodes in nlohmann's compact form, awkward text included") {
  Nack nack = sample_nack();
  Catalog catalog = sample_catalog();
  TaskList tasks = sample_tasks();
  for (const std::string& text : kAwkwardTexts) {
    nack.rejected[0].reason = text;
    catalog.items[0].description = text;
    tasks.tasks[0].hint = text;
    for (const std::string& encoded : {encode(nack), encode(catalog), encode(tasks)}) {
      // Valid UTF-8 out means nlohmann can read it back; its dump must then be the same bytes.
      CHECK(nlohmann::ordered_json::parse(encoded).dump() == encoded);
    }
  }
  const Nack whole_payload{"hh-17", "", {}, "payload too large"};
  for (const std::string& encoded : {encode(sample_hello()), encode(sample_ack()), encode(sample_status()),
                                     encode(whole_payload), encode(TaskList{"s", 1, {}})}) {
    CHECK(nlohmann::ordered_json::parse(encoded).dump() == encoded);
  }
}

}  // namespace
}  // namespace recount::protocol
