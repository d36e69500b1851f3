// A scan: one code read by any input (keyboard-wedge scanner, serial scanner, camera image),
// in the form the scan workflows consume.
#pragma once

#include <string>

namespace recount::agent {

enum class ScanSource {
  kKeyboard,  // a keyboard-wedge scanner typing into a terminal or stdin
  kSerial,    // a serial or USB-CDC scanner
  kImage,     // a barcode decoded from an image file
};

struct Scan {
  // The code's data without line terminators. GS1 FNC1 separators are ASCII GS (29). A
  // scanner configured to send AIM symbology identifiers sends them at the start of `text`.
  std::string text;
  // The AIM symbology identifier ("]C1", "]E0", ...) when the input reports it apart from the
  // data, as image decoding does; otherwise empty.
  std::string symbology_identifier;
  ScanSource source = ScanSource::kKeyboard;
  std::string origin;  // where it came from: "stdin", a device path, an image file

  // Identifier and data together: what a scanner sending AIM identifiers would transmit, and
  // what gs1::parse reads.
  std::string with_identifier() const { return symbology_identifier + text; }
};

}  // namespace recount::agent
