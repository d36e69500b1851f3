// A serial scanner that survives unplugging, and the `--serial DEVICE[:BAUD]` notation.
#include "agent/scan/serial_scanner.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace recount::agent {

Result<SerialOptions> parse_serial_spec(std::string_view spec) {
  SerialOptions options;
  std::error_code ignored;
  const auto colon = spec.rfind(':');
  if (colon == std::string_view::npos || std::filesystem::exists(std::filesystem::path(spec), ignored)) {
    options.device = std::string(spec);
  } else {
    options.device = std::string(spec.substr(0, colon));
    const auto baud = spec.substr(colon + 1);
    const auto parsed = std::from_chars(baud.data(), baud.data() + baud.size(), options.baud_rate);
    if (baud.empty() || parsed.ec != std::errc() || parsed.ptr != baud.data() + baud.size()) {
      return invalid("--serial", "'" + std::string(spec) +
                                     "': the baud rate after the last ':' must be a number, not '" + std::string(baud) +
                                     "'");
    }
    if (std::find(std::begin(kSerialBaudRates), std::end(kSerialBaudRates), options.baud_rate) ==
        std::end(kSerialBaudRates)) {
      std::string rates;
      for (const auto rate : kSerialBaudRates) rates += (rates.empty() ? "" : ", ") + std::to_string(rate);
      return invalid("--serial",
                     "'" + std::string(spec) + "': baud rate " + std::string(baud) + " is not one of " + rates);
    }
  }
  if (options.device.empty()) return invalid("--serial", "'" + std::string(spec) + "' names no device");
  return options;
}

SerialScanner::SerialScanner(boost::asio::io_context& io, SerialScannerOptions options)
    : io_(io), options_(std::move(options)), timer_(io), next_retry_(options_.first_retry) {}

Result<void> SerialScanner::start(ScanHandler on_scan, StateHandler on_state) {
  on_scan_ = std::move(on_scan);
  on_state_ = std::move(on_state);
  auto opened = open();
  on_state_(opened);
  if (!opened) retry_later();
  return opened;
}

void SerialScanner::stop() {
  stopped_ = true;
  timer_.cancel();
  if (reader_) reader_->stop();
  reader_.reset();
}

Result<void> SerialScanner::open() {
  auto reader = open_serial(io_, options_.port);
  if (!reader) return reader.error();
  reader_ = std::move(*reader);
  next_retry_ = options_.first_retry;
  // The reader's handlers hold the scanner weakly: a scanner that was dropped is not kept alive
  // by its port, and a reader replaced after an unplug never reaches the new state.
  const std::weak_ptr<SerialScanner> weak = weak_from_this();
  reader_->start(
      [weak](Result<Scan> scan) {
        if (auto self = weak.lock(); self && !self->stopped_) self->on_scan_(std::move(scan));
      },
      [weak](const Result<void>& end) {
        auto self = weak.lock();
        if (!self || self->stopped_) return;
        self->reader_->stop();
        self->reader_.reset();
        self->on_state_(end ? Result<void>(Error{ErrorCode::kIo, "", self->device() + " hung up"}) : end);
        self->retry_later();
      });
  return Ok{};
}

void SerialScanner::retry_later() {
  timer_.expires_after(next_retry_);
  next_retry_ = std::min(next_retry_ * 2, options_.last_retry);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->stopped_) return;
    if (auto opened = self->open(); opened) {
      self->on_state_(opened);
    } else {
      self->retry_later();
    }
  });
}

}  // namespace recount::agent
