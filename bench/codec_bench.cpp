// Protocol codec benchmark: how many events per second protocol::decode_event_batch and
// protocol::encode(EventBatch) handle in batches of realistic events (the hub decodes every batch
// a device sends; an agent encodes them). Beside each, in the same run and on the same bytes, the
// raw limits: nlohmann's json::accept (validation alone, no values built) and a memchr pass
// (decode) or a memcpy (encode) over the payloads.
//
// Usage: codec_bench [--milliseconds 500] [--batches 8]: each figure runs for the milliseconds
// given, over that many batches (of devices working different aisles).
// Prints "name value unit" lines for batches of 200 and 500 events; each name gets "@batch=N"
// appended, and the 500-event figures (the hub's headline batch) are printed bare too.
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_support.hpp"
#include "shared/protocol/codec.hpp"
#include "tests/support/warehouse_events.hpp"

namespace recount::bench {
namespace {

// Events per second of `pass`, which handles every batch once per call and returns a value that
// depends on its work (so the compiler cannot drop it). Repeats for at least `seconds`.
template <typename Pass>
double events_per_s(std::size_t events_per_pass, double seconds, Pass pass) {
  std::size_t sink = 0;
  std::size_t passes = 0;
  const auto start = Clock::now();
  do {
    sink += pass();
    ++passes;
  } while (seconds_since(start) < seconds);
  const double elapsed = seconds_since(start);
  if (sink == 0) throw std::runtime_error("a benchmark pass did no work");
  return static_cast<double>(passes * events_per_pass) / elapsed;
}

void measure(std::size_t batch_size, std::size_t batch_count, double seconds) {
  std::vector<protocol::EventBatch> batches;
  std::vector<std::string> payloads;
  for (std::size_t b = 0; b < batch_count; ++b) {
    auto events = testing::warehouse_event_drafts(b, batch_size, static_cast<unsigned>(b + 1));
    stamp_events(events, static_cast<unsigned>(b + 1));
    batches.push_back({"site-1", "dev-" + std::to_string(b), "00112233aabbccdd", std::move(events)});
    payloads.push_back(protocol::encode(batches.back()));
  }
  const std::size_t events_per_pass = batch_size * batch_count;
  const Reporter report{"batch=" + std::to_string(batch_size), batch_size == 500};

  report("codec_decode_events_per_s",
         events_per_s(events_per_pass, seconds,
                      [&] {
                        std::size_t decoded = 0;
                        for (const auto& payload : payloads) {
                          decoded +=
                              must(protocol::decode_event_batch(payload), "decode_event_batch").batch.events.size();
                        }
                        return decoded;
                      }),
         "events/s");
  report("codec_raw_accept_events_per_s",
         events_per_s(events_per_pass, seconds,
                      [&] {
                        std::size_t accepted = 0;
                        for (const auto& payload : payloads) accepted += nlohmann::json::accept(payload) ? 1 : 0;
                        return accepted;
                      }),
         "events/s");
  // memchr for a byte the payloads do not hold (they carry no escapes) reads every byte once.
  report("codec_raw_memchr_events_per_s",
         events_per_s(events_per_pass, seconds,
                      [&] {
                        std::size_t scanned = 0;
                        for (const auto& payload : payloads) {
                          scanned += std::memchr(payload.data(), '\\', payload.size()) == nullptr ? payload.size() : 0;
                        }
                        return scanned;
                      }),
         "events/s");
  report("codec_encode_events_per_s",
         events_per_s(events_per_pass, seconds,
                      [&] {
                        std::size_t bytes = 0;
                        for (const auto& batch : batches) bytes += protocol::encode(batch).size();
                        return bytes;
                      }),
         "events/s");
  std::string copy;
  report("codec_raw_memcpy_events_per_s",
         events_per_s(events_per_pass, seconds,
                      [&] {
                        std::size_t bytes = 0;
                        for (const auto& payload : payloads) {
                          copy.resize(payload.size());
                          std::memcpy(copy.data(), payload.data(), payload.size());
                          bytes += static_cast<unsigned char>(copy[payload.size() / 2]) + 1;
                        }
                        return bytes;
                      }),
         "events/s");
  report("codec_payload_bytes_per_event",
         static_cast<double>(payloads.front().size()) / static_cast<double>(batch_size), "bytes");
}

int run(const Args& args) {
  const double seconds = static_cast<double>(args.number("milliseconds", 500)) / 1000.0;
  const auto batch_count = static_cast<std::size_t>(args.number("batches", 8));
  for (const std::size_t batch_size : {200, 500}) measure(batch_size, batch_count, seconds);
  return 0;
}

}  // namespace
}  // namespace recount::bench

int main(int argc, char** argv) { return recount::bench::main_of("codec_bench", argc, argv, recount::bench::run); }
