// UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing above U+10FFFF): the one
// check behind both the JSON parser's validation and the JSON writer's replacement of bad bytes.
#pragma once

#include <cstddef>

namespace recount::protocol {

// What the bytes from `at` (before `end`) begin with. When `valid`, a well-formed sequence of
// `length` bytes (1 to 4). Otherwise `length` is how many leading bytes start a sequence that the
// next byte (or the end) breaks, 0 when the first byte can start none.
struct Utf8Sequence {
  bool valid;
  std::size_t length;
};

inline Utf8Sequence utf8_sequence(const unsigned char* at, const unsigned char* end) {
  const unsigned char lead = *at;
  if (lead < 0x80) return {true, 1};
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte, narrower after some leads
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return {false, 0};
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (at + i == end || at[i] < low || at[i] > high) return {false, i};
    low = 0x80;
    high = 0xBF;
  }
  return {true, length};
}

}  // namespace recount::protocol
