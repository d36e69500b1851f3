// The floor's input path without a scanner, for scan_fuzz and its corpus's regression test: a
// scanner's byte stream split into lines (agent/scan/line_framer.hpp) and each line handled by a
// scan session (agent/workflow/scan_session.hpp) on a real journal and catalog cache in a temp
// directory. What a scanner reads is printed by anyone: a shelf label, a customer's phone, a
// hostile sticker; `#` commands are typed by people.
//
// An input is the stream: its first byte says where it is cut into two reads (the framer must
// join a line across them), the rest is what the scanner sent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/catalog/catalog_store.hpp"
#include "agent/journal/journal.hpp"
#include "agent/scan/line_framer.hpp"
#include "agent/workflow/scan_session.hpp"
#include "shared/crypto/pin_hash.hpp"
#include "shared/protocol/codec.hpp"
#include "tests/fuzz/harness_dir.hpp"

namespace recount::fuzz {

// One device of site S1: a catalog with items (an internal code, a GTIN and a case of 12),
// labelled locations and two badges (one with PIN 4711), and a recount task. Not thread-safe.
class ScanHarness {
 public:
  ScanHarness() : dir_(make_harness_dir("scan")), journal_(open_journal(dir_)), store_(open_store(dir_)) {
    protocol::Catalog catalog;
    catalog.site = "S1";
    catalog.version = 1;
    catalog.items = {{"SKU-1", "Widget", 189, "grocery", {{"INT-0001", 1}, {"INT-0012", 12}}},
                     {"SKU-2", "Knäckebröd 250 g", 42, "grocery", {{"05901234123457", 1}, {"15901234123454", 12}}}};
    catalog.locations = {{"A-01", "LOC-A-01", "shelf"}, {"B-02", "LOC-B-02", "bin"}, {"DOCK-1", "", "dock"}};
    catalog.users = {{"B-0193", "Ann Lee", "counter", crypto::hash_pin("4711")},
                     {"B-0200", "Jo Park", "counter-lead", ""}};
    if (auto stored = store_.store_catalog(catalog); !stored || !*stored) fail("cannot store the catalog");
    const protocol::TaskList tasks{"S1", 1, {{"rt-1", "B-02", "SKU-1", "", 1, "B-0193", "", 1}}};
    auto recorded = journal_.record_all({}, [&](storage::Database& database, const std::vector<Event>& acks) {
      return agent::CatalogStore::store_tasks(database, tasks, acks);
    });
    if (!recorded) fail("cannot store the task list");
  }
  ~ScanHarness() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScanHarness(const ScanHarness&) = delete;
  ScanHarness& operator=(const ScanHarness&) = delete;

  // "" when every line of `input` was framed and handled as promised: lines without CR or LF
  // and within the limit, over-long ones refused; each line answered; a refused one recording
  // nothing; everything recorded a valid event of a device that survives the protocol's
  // encoding. Else what broke.
  std::string problem(std::string_view input) {
    if (input.empty()) return {};
    const std::size_t cut = 1 + static_cast<unsigned char>(input.front()) % input.size();
    std::string found;
    const agent::LineFramer::LineHandler on_line = [&](Result<std::string> line) {
      if (!found.empty()) return;
      if (!line) {
        if (line.error().code != ErrorCode::kInvalidInput) found = "framer: an error that is not kInvalidInput";
        return;
      }
      if (line->empty() || line->size() > agent::kMaxLineBytes || line->find_first_of("\r\n") != std::string::npos) {
        found = "framer: a line empty, too long, or holding a line end";
        return;
      }
      found = line_problem(*line);
    };
    framer_.feed(input.substr(1, cut - 1), on_line);
    framer_.feed(input.substr(cut), on_line);
    framer_.finish(on_line);
    return found;
  }

 private:
  std::string line_problem(const std::string& line) {
    now_ += std::chrono::milliseconds(700);  // past the duplicate guard every other line
    const std::uint64_t before = journal_.last_seq();
    const agent::Feedback feedback = session_.handle(line);
    const std::uint64_t after = journal_.last_seq();
    if (feedback.outcome == agent::Outcome::kRefused) {
      if (feedback.message.empty()) return "session: refused without saying why";
      if (after != before) return "session: a refused line recorded events";
      return {};
    }
    if (after == before) return {};
    auto events = journal_.pending_from(before + 1, after - before);
    if (!events) return "journal: " + events.error().describe();
    if (events->size() != after - before) return "journal: recorded events are not all pending";
    for (const Event& event : *events) {
      if (!validate(event) || !device_may_record(event.type)) return "session: recorded an invalid event";
      const auto again = protocol::decode_event(protocol::encode_event(event));
      if (!again || !(*again == event)) return "session: a recorded event does not survive its encoding";
    }
    return {};
  }

  [[noreturn]] static void fail(const char* what) { harness_failed("scan", what); }
  static agent::Journal open_journal(const std::filesystem::path& dir) {
    auto journal = agent::Journal::open(dir, std::string("S1"), std::string("dev-1"));
    if (!journal) fail("cannot open the journal");
    return std::move(*journal);
  }
  static agent::CatalogStore open_store(const std::filesystem::path& dir) {
    auto store = agent::CatalogStore::open(dir);
    if (!store) fail("cannot open the catalog store");
    return std::move(*store);
  }
  agent::ScanSessionOptions options() {
    agent::ScanSessionOptions result;
    result.clock = [this] { return now_; };
    return result;
  }

  std::filesystem::path dir_;
  agent::Journal journal_;
  agent::CatalogStore store_;
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  agent::ScanSession session_{journal_, store_, options()};
  agent::LineFramer framer_;
};

}  // namespace recount::fuzz
