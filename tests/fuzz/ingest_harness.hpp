// The whole MQTT path of the hub without a broker, for ingest_fuzz and its corpus's regression
// test: messages (topic, payload, retained) handed to Ingest as the link would hand them over,
// committed or dead-lettered on a real SQLite ledger in a temp directory.
//
// An input holds one or more messages separated by kSeparator; each is a flags byte (bit 0:
// retained), the topic, a newline and the payload. A batch and a different one at the same seq,
// in one input or two, are a conflicting resend.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hub/ingest/ingest.hpp"
#include "hub/ledger/ledger.hpp"
#include "hub/reconcile/reconciler.hpp"
#include "hub/unknown/unknown_barcodes.hpp"
#include "hub/writes/task_publisher.hpp"
#include "shared/crypto/ed25519.hpp"
#include "shared/mqtt/link.hpp"
#include "tests/fuzz/harness_dir.hpp"

namespace recount::fuzz {

inline constexpr std::string_view kSeparator = "\n\x1e\n";

// The messages of an input, as the format above reads it; bytes before a topic's newline that
// never end are a topic with an empty payload.
inline std::vector<mqtt::Message> messages_of(std::string_view input) {
  std::vector<mqtt::Message> messages;
  while (!input.empty()) {
    const auto end = input.find(kSeparator);
    std::string_view part = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + kSeparator.size());
    if (part.empty()) continue;
    const bool retained = (static_cast<unsigned char>(part.front()) & 1) != 0;
    part.remove_prefix(1);
    const auto newline = part.find('\n');
    mqtt::Message message;
    message.topic = std::string(part.substr(0, newline));
    message.payload = newline == std::string_view::npos ? std::string() : std::string(part.substr(newline + 1));
    message.retained = retained;
    messages.push_back(std::move(message));
  }
  return messages;
}

// One hub: a ledger in a temp directory (removed at destruction), the reconciler on it, and
// Ingest behind a link that is never started, so its answers go nowhere. Not thread-safe.
class IngestHarness {
 public:
  IngestHarness() : dir_(make_harness_dir("ingest")), ledger_(open_ledger(dir_)) {
    ingest_.keep_unknown_barcodes(unknown_);
    ingest_.start();
    run("");
  }
  ~IngestHarness() {
    ingest_.stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  IngestHarness(const IngestHarness&) = delete;
  IngestHarness& operator=(const IngestHarness&) = delete;

  // Hands over every message of `input` and runs ingest until it has committed or refused them
  // all. Aborts, naming the problem, when a message is left queued: whatever the input, ingest
  // must answer for all of it.
  void run(std::string_view input) {
    for (auto& message : messages_of(input)) ingest_.deliver(std::move(message));
    // poll() leaves the io_context stopped once it ran out of work; each round starts it again.
    for (int round = 0; round < 10'000; ++round) {
      io_.restart();
      if (io_.poll() == 0) break;
    }
    if (ingest_.counters().queued != 0) fail("messages are left in the queue");
    if (ingest_.backlogged()) fail("the link is left paused with an empty queue");
  }

  // "" when the ledger's audit chain verifies after everything run so far. Apart from run(): a
  // walk of the whole chain per input took two thirds of the fuzzer's time, more with every input.
  std::string chain_problem() {
    auto verification = ledger_.audit().verify();
    if (!verification) return "the audit chain cannot be read: " + verification.error().describe();
    if (verification->broken_id)
      return "the audit chain is broken at entry " + std::to_string(*verification->broken_id);
    return {};
  }

  // The temp directory that holds the ledger, removed with everything in it at destruction.
  const std::filesystem::path& directory() const { return dir_; }
  hub::Ledger& ledger() { return ledger_; }
  hub::UnknownBarcodes& unknown() { return unknown_; }
  const hub::IngestCounters& counters() const { return ingest_.counters(); }

 private:
  [[noreturn]] static void fail(const char* what) { harness_failed("ingest", what); }
  static hub::Ledger open_ledger(const std::filesystem::path& dir) {
    auto ledger = hub::Ledger::open(dir / "hub.db");
    if (!ledger) fail("cannot open the ledger");
    return std::move(*ledger);
  }
  static mqtt::LinkOptions unstarted() {
    mqtt::LinkOptions options;
    options.uri = "tcp://127.0.0.1:1";
    options.client_id = "ingest-harness";
    return options;
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  hub::Ledger ledger_;
  HybridLogicalClock clock_;
  mqtt::Link link_{io_, unstarted()};
  hub::reconcile::CatalogSnapshot catalog_;
  hub::reconcile::Reconciler reconciler_ = open_reconciler();
  crypto::SigningKey signing_key_ = crypto::SigningKey::generate();
  hub::TaskListPublisher tasks_{io_, link_, reconciler_, signing_key_};
  hub::UnknownBarcodes unknown_ = open_unknown();
  hub::Ingest ingest_{io_, link_, ledger_, reconciler_, tasks_, clock_};

  hub::reconcile::Reconciler open_reconciler() {
    auto reconciler = hub::reconcile::Reconciler::open(ledger_.database(), catalog_);
    if (!reconciler) fail("cannot open the reconciler");
    return std::move(*reconciler);
  }
  hub::UnknownBarcodes open_unknown() {
    auto unknown = hub::UnknownBarcodes::open(ledger_);
    if (!unknown) fail("cannot open the unknown barcodes");
    return std::move(*unknown);
  }
};

}  // namespace recount::fuzz
