// A serial or USB-CDC scanner that may be unplugged and plugged in again while the agent runs:
// it reopens its device path with a bounded backoff and says when the scanner goes and comes
// back. Also how `--serial DEVICE[:BAUD]` names one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/scan/line_reader.hpp"

namespace recount::agent {

// The rates a scanner's serial port can be set to (termios' standard speeds from 1200 up).
inline constexpr unsigned kSerialBaudRates[] = {1200,  2400,   4800,   9600,   19200, 38400,
                                                57600, 115200, 230400, 460800, 921600};

// Reads "DEVICE[:BAUD]": the device path and, after its last colon, the baud rate (one of
// kSerialBaudRates; 9600 when none is given). A path that exists as given is taken whole, so
// by-path names with colons work; such a name that is not there yet needs its baud written out
// (`/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:9600`). Error kInvalidInput, field
// "--serial", for an empty device, an empty or non-numeric baud or a rate not in the list.
Result<SerialOptions> parse_serial_spec(std::string_view spec);

struct SerialScannerOptions {
  SerialOptions port;
  std::chrono::milliseconds first_retry{500};  // after the scanner went; doubles per failed attempt
  std::chrono::milliseconds last_retry{5000};  // the longest wait between attempts
};

// Keeps one serial scanner open. When its reader ends (a read error such as EIO or ENODEV from
// an unplugged USB scanner, or a hang-up), the port is closed, a line begun is dropped (never
// joined to the first line after the replug), the state handler hears the reason, and the path
// is opened again after first_retry, doubling up to last_retry until it opens; then the state
// handler hears Ok and scans flow again.
//
// Handlers run on the io_context's thread. on_scan is the SerialReader's (scans and line errors).
// on_state is called with Ok each time the port opens and with the Error (kIo, naming the device)
// each time the scanner is lost or, at start, cannot be opened; never for the failed retries in
// between, so a scanner left unplugged is reported once. Pending reads and waits hold a
// shared_ptr to the scanner. Not thread-safe: call start() and stop() on the io_context's thread.
class SerialScanner : public std::enable_shared_from_this<SerialScanner> {
 public:
  using ScanHandler = SerialReader::ScanHandler;
  using StateHandler = std::function<void(const Result<void>&)>;

  SerialScanner(boost::asio::io_context& io, SerialScannerOptions options);
  SerialScanner(const SerialScanner&) = delete;
  SerialScanner& operator=(const SerialScanner&) = delete;

  // Opens the port at once, calls on_state with the outcome, and returns it: an Error means the
  // scanner is not there and retries have been scheduled (the caller may stop() instead).
  Result<void> start(ScanHandler on_scan, StateHandler on_state);
  // Closes the port and cancels the next attempt; no handler is called afterwards.
  void stop();

  const std::string& device() const { return options_.port.device; }

 private:
  Result<void> open();
  void retry_later();

  boost::asio::io_context& io_;
  SerialScannerOptions options_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds next_retry_;
  std::shared_ptr<SerialReader> reader_;
  ScanHandler on_scan_;
  StateHandler on_state_;
  bool stopped_ = false;
};

}  // namespace recount::agent
