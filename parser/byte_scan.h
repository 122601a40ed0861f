// Finding a byte in the short spans of a trace line (a flags column, an event
// name, a comm) eight bytes at a time. memchr costs a call and a setup that
// dominate for spans of 5-30 bytes; a byte loop costs a compare and a branch
// per byte.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ftlens {

static_assert(std::endian::native == std::endian::little, "byte_scan reads words little-endian");

namespace byte_scan_detail {
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;
// A high bit in each byte of `word` equal to `c`; the lowest set bit is exact
// (carries can only mark bytes above a true match).
inline uint64_t match_bits(uint64_t word, char c) {
  const uint64_t x = word ^ (kOnes * static_cast<uint8_t>(c));
  return (x - kOnes) & ~x & kHighs;
}
inline uint64_t load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return word;  // little-endian: byte 0 is the low byte
}
}  // namespace byte_scan_detail

// Eight ASCII digits in one little-endian word (the first digit in the low
// byte), as fast_float reads them: is_made_of_eight_digits_fast and
// parse_eight_digits_unrolled.
inline bool is_eight_digits(uint64_t word) {
  return ((word & 0xF0F0F0F0F0F0F0F0ULL) | (((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
         0x3333333333333333ULL;
}
inline uint32_t eight_digits_value(uint64_t word) {
  word = (word & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
  word = (word & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
  return static_cast<uint32_t>((word & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32);
}

// Position of the first `c` at or after `from`, or s.size().
inline size_t find_byte(std::string_view s, size_t from, char c) {
  using namespace byte_scan_detail;
  for (; from + 8 <= s.size(); from += 8)
    if (uint64_t bits = match_bits(load8(s.data() + from), c)) return from + static_cast<size_t>(std::countr_zero(bits)) / 8;
  while (from < s.size() && s[from] != c) ++from;
  return from;
}

// Position of the first `a` or `b` at or after `from`, or s.size().
inline size_t find_either(std::string_view s, size_t from, char a, char b) {
  using namespace byte_scan_detail;
  for (; from + 8 <= s.size(); from += 8) {
    const uint64_t word = load8(s.data() + from);
    if (uint64_t bits = match_bits(word, a) | match_bits(word, b)) return from + static_cast<size_t>(std::countr_zero(bits)) / 8;
  }
  while (from < s.size() && s[from] != a && s[from] != b) ++from;
  return from;
}

// Position of the first byte at or after `from` that is not a space, or s.size().
inline size_t skip_spaces(std::string_view s, size_t from) {
  using namespace byte_scan_detail;
  for (; from + 8 <= s.size(); from += 8) {
    const uint64_t x = load8(s.data() + from) ^ (kOnes * ' ');  // zero bytes: spaces
    if (x) return from + static_cast<size_t>(std::countr_zero(x)) / 8;
  }
  while (from < s.size() && s[from] == ' ') ++from;
  return from;
}

// Position of the first byte at or after `from` that is neither a space nor
// a tab, or s.size(). Trace lines start with up to 20 blanks (comms are
// right-aligned in 16 columns).
inline size_t skip_blanks(std::string_view s, size_t from) {
  for (from = skip_spaces(s, from); from < s.size() && s[from] == '\t'; from = skip_spaces(s, from + 1)) {
  }
  return from;
}

}  // namespace ftlens
