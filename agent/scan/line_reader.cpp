// The read loop shared by keyboard and serial scanners, and how each is opened.
#include "agent/scan/line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/error.hpp>

namespace recount::agent {
namespace {

Error io_error(const std::string& what, const boost::system::error_code& error) {
  return Error{ErrorCode::kIo, "", what + ": " + error.message()};
}

}  // namespace

template <typename Stream>
LineReader<Stream>::LineReader(Stream stream, ScanSource source, std::string origin, std::size_t max_line_bytes,
                               LastLine last_line)
    : stream_(std::move(stream)),
      source_(source),
      origin_(std::move(origin)),
      framer_(max_line_bytes),
      last_line_(last_line) {}

template <typename Stream>
void LineReader<Stream>::start(ScanHandler on_scan, EndHandler on_end) {
  on_scan_ = std::move(on_scan);
  on_end_ = std::move(on_end);
  read_more();
}

template <typename Stream>
void LineReader<Stream>::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  stream_.close(ignored);
}

template <typename Stream>
void LineReader<Stream>::read_more() {
  stream_.async_read_some(boost::asio::buffer(buffer_),
                          [self = this->shared_from_this()](const boost::system::error_code& error, std::size_t size) {
                            if (self->stopped_) return;
                            const auto deliver = [&self](Result<std::string> line) { self->deliver(std::move(line)); };
                            self->framer_.feed(std::string_view(self->buffer_.data(), size), deliver);
                            if (!error) {
                              self->read_more();
                              return;
                            }
                            if (self->last_line_ == LastLine::kDeliver) {
                              self->framer_.finish(deliver);
                            } else {
                              self->framer_.abandon(deliver);
                            }
                            if (self->stopped_) return;
                            if (error == boost::asio::error::eof) {
                              self->on_end_(Ok{});
                            } else {
                              self->on_end_(io_error("reading " + self->origin_, error));
                            }
                          });
}

template <typename Stream>
void LineReader<Stream>::deliver(Result<std::string> line) {
  if (stopped_) return;
  if (!line) {
    on_scan_(line.error());
    return;
  }
  on_scan_(Scan{std::move(*line), "", source_, origin_});
}

template class LineReader<boost::asio::posix::stream_descriptor>;
template class LineReader<boost::asio::serial_port>;

Result<std::shared_ptr<KeyboardReader>> open_keyboard(boost::asio::io_context& io, int fd, std::string origin) {
  const int duplicate = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (duplicate < 0) {
    return io_error("cannot read " + origin, boost::system::error_code(errno, boost::system::system_category()));
  }
  // A regular file (input redirected from a file) cannot be watched by epoll; Asio then reads
  // it directly, which never blocks, so the same reader serves terminals, pipes and files.
  boost::asio::posix::stream_descriptor stream(io);
  boost::system::error_code error;
  stream.assign(duplicate, error);
  if (error) {
    ::close(duplicate);
    return io_error("cannot read " + origin, error);
  }
  return std::make_shared<KeyboardReader>(std::move(stream), ScanSource::kKeyboard, std::move(origin), kMaxLineBytes,
                                          LastLine::kDeliver);
}

Result<std::shared_ptr<SerialReader>> open_serial(boost::asio::io_context& io, const SerialOptions& options) {
  boost::asio::serial_port port(io);
  boost::system::error_code error;
  port.open(options.device, error);
  if (error) return io_error("cannot open " + options.device, error);
  using Port = boost::asio::serial_port_base;
  port.set_option(Port::baud_rate(options.baud_rate), error);
  if (!error) port.set_option(Port::character_size(8), error);
  if (!error) port.set_option(Port::parity(Port::parity::none), error);
  if (!error) port.set_option(Port::stop_bits(Port::stop_bits::one), error);
  if (!error) port.set_option(Port::flow_control(Port::flow_control::none), error);
  if (error) return io_error("cannot configure " + options.device, error);
  return std::make_shared<SerialReader>(std::move(port), ScanSource::kSerial, options.device, options.max_line_bytes,
                                        LastLine::kDrop);
}

}  // namespace recount::agent
