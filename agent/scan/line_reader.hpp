// Asynchronous scanner input on the agent's io_context: a keyboard-wedge scanner on a terminal
// or stdin, and a serial or USB-CDC scanner on a serial port. Both deliver one Scan per line.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/serial_port.hpp>

#include "agent/scan/line_framer.hpp"
#include "agent/scan/scan.hpp"
#include "shared/core/result.hpp"

namespace recount::agent {

// What a reader does with a line that has no terminator when its input ends.
enum class LastLine {
  kDeliver,  // a file or script may end without a newline: the last line is a scan
  kDrop,     // a scanner unplugged mid-transmission sent part of a code: drop it (LineFramer::abandon)
};

// Reads lines from `Stream` (a posix::stream_descriptor or a serial_port) until the end of
// input, an error, or stop(). Create it with open_keyboard() or open_serial().
//
// Handlers run on the io_context's thread. on_scan gets each line as a Scan, or an Error for a
// line over the length limit (the reader carries on) and for an unterminated last line dropped
// under LastLine::kDrop. on_end is called once, after the last line (one without terminator
// too, under LastLine::kDeliver): with Ok at the end of input (stdin at its end, a serial
// line that hung up), or with the Error (kIo) that ended reading (e.g. EIO from an unplugged USB
// scanner); never after stop(). Either way the reader is done; reopen the device to go on. Pending reads hold a
// shared_ptr to the reader, so it lives until they finish. Not thread-safe: call start() and
// stop() on the io_context's thread.
template <typename Stream>
class LineReader : public std::enable_shared_from_this<LineReader<Stream>> {
 public:
  using ScanHandler = std::function<void(Result<Scan>)>;
  using EndHandler = std::function<void(Result<void>)>;

  LineReader(Stream stream, ScanSource source, std::string origin, std::size_t max_line_bytes, LastLine last_line);
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  void start(ScanHandler on_scan, EndHandler on_end);
  // Cancels the pending read and closes the stream; no handler is called afterwards.
  void stop();

 private:
  void read_more();
  void deliver(Result<std::string> line);

  Stream stream_;
  ScanSource source_;
  std::string origin_;
  LineFramer framer_;
  LastLine last_line_;
  std::array<char, 4096> buffer_{};
  ScanHandler on_scan_;
  EndHandler on_end_;
  bool stopped_ = false;
};

using KeyboardReader = LineReader<boost::asio::posix::stream_descriptor>;
using SerialReader = LineReader<boost::asio::serial_port>;

// A reader of the keyboard-wedge scanner typing into `fd` (a terminal, pipe or regular file;
// usually STDIN_FILENO). It reads a duplicate of `fd`, so the caller's descriptor stays open.
// On a terminal, lines arrive as the scanner's Enter completes them (canonical mode is left
// alone). A last line without newline is delivered (LastLine::kDeliver). Error kIo when the descriptor cannot be
// duplicated or watched.
Result<std::shared_ptr<KeyboardReader>> open_keyboard(boost::asio::io_context& io, int fd,
                                                      std::string origin = "stdin");

struct SerialOptions {
  std::string device;         // e.g. /dev/ttyACM0 (USB-CDC) or /dev/ttyUSB0
  unsigned baud_rate = 9600;  // most scanners' factory setting; USB-CDC ignores it
  std::size_t max_line_bytes = kMaxLineBytes;
};

// A reader of the scanner on options.device, opened raw at the baud rate with 8 data bits, no
// parity, one stop bit and no flow control. Error kIo naming the device when it cannot be
// opened or configured. Termios raw mode (no echo, no line editing, no CR/LF translation), so
// every byte the scanner sends arrives as sent. A line unterminated when the port fails or
// hangs up is dropped (LastLine::kDrop).
Result<std::shared_ptr<SerialReader>> open_serial(boost::asio::io_context& io, const SerialOptions& options);

}  // namespace recount::agent
