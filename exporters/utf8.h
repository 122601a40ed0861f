// UTF-8 validation shared by the JSON and XML writers: comms, symbols and log
// lines come from untrusted devices as bytes, and every output must parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ftlens {

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), or 0 if
// the bytes there are not one: a stray continuation byte, a cut sequence, an
// overlong form, a surrogate, or a code point past U+10FFFF.
inline size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  if (len == 3 && ((c == 0xE0 && byte(i + 1) < 0xA0) || (c == 0xED && byte(i + 1) >= 0xA0))) return 0;
  if (len == 4 && ((c == 0xF0 && byte(i + 1) < 0x90) || (c == 0xF4 && byte(i + 1) >= 0x90))) return 0;
  return len;
}

// The code point of the valid sequence of `len` bytes at s[i].
inline uint32_t utf8_code_point(std::string_view s, size_t i, size_t len) {
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[k])); };
  if (len == 1) return byte(i);
  uint32_t cp = byte(i) & (0xFFu >> (len + 1));
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  return cp;
}

}  // namespace ftlens
