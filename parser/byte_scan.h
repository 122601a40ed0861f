// Finding a byte in the short spans of a trace line (a flags column, an event
// name, a comm) eight bytes at a time. memchr costs a call and a setup that
// dominate for spans of 5-30 bytes; a byte loop costs a compare and a branch
// per byte.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64
#endif

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
#if defined(__SSE2__)
// Sixteen bytes at a time where the CPU has it: a compare and a movemask
// per byte sought instead of four word operations per eight bytes (on a
// 33 MB trace the scans took ~60M of ~550M instructions).
inline __m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline unsigned equal_mask(__m128i bytes, char c) {
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(c))));
}
#endif
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

// Eight ASCII hex digits ('0'-'9', 'a'-'f', 'A'-'F') in one little-endian
// word, the first (most significant) digit in the low byte: %p prints work
// structs, csds and timers as 16 of them, on a third of the lines of a
// trace. A byte below 0x80 is in [lo, hi] when adding 0x80 - lo sets its
// high bit and adding 0x7f - hi does not; neither sum carries into the
// next byte.
inline bool is_eight_hex_digits(uint64_t word) {
  using namespace byte_scan_detail;
  auto in_range = [](uint64_t x, uint8_t lo, uint8_t hi) {
    return (x + kOnes * (0x80 - lo)) & ~(x + kOnes * (0x7f - hi)) & kHighs;
  };
  const uint64_t lower = word | (kOnes * 0x20);  // 'A'-'F' -> 'a'-'f' (and 0x10-0x19 -> digits: not for those)
  return (word & kHighs) == 0 && (in_range(word, '0', '9') | in_range(lower, 'a', 'f')) == kHighs;
}
// The value of eight hex digits that is_eight_hex_digits accepted.
inline uint32_t eight_hex_digits_value(uint64_t word) {
  using namespace byte_scan_detail;
  // Letters have bit 6 set ('a' = 0x61, 'A' = 0x41: low nibble 1-6, so +9).
  const uint64_t nibbles = (word & (kOnes * 0x0f)) + ((word >> 6) & kOnes) * 9;
  uint64_t x = ((nibbles << 4) & 0x00f000f000f000f0ULL) | ((nibbles >> 8) & 0x000f000f000f000fULL);  // bytes
  x = ((x << 8) & 0x0000ff000000ff00ULL) | ((x >> 16) & 0x000000ff000000ffULL);                        // 16-bit halves
  return static_cast<uint32_t>(((x << 16) & 0xffff0000ULL) | ((x >> 32) & 0xffffULL));
}

// How many of the bytes of `word` (low byte first) are ASCII digits before
// the first one that is not; 8 when all are.
inline size_t leading_digits(uint64_t word) {
  using namespace byte_scan_detail;
  // Range checks on the low 7 bits cannot carry between bytes; bytes with
  // the high bit set are no digits.
  const uint64_t low = word & ~kHighs;
  const uint64_t digit = (low + kOnes * (0x80 - '0')) & ~(low + kOnes * (0x7f - '9')) & ~word & kHighs;
  return static_cast<size_t>(std::countr_zero(~digit & kHighs)) / 8;  // countr_zero(0) is 64
}
// The value of the first `digits` (1-7) bytes of `word`, which
// leading_digits counted: they move to the top, '0's fill in below.
inline uint32_t leading_digits_value(uint64_t word, size_t digits) {
  using namespace byte_scan_detail;
  return eight_digits_value(word << (64 - 8 * digits) | (kOnes * '0' >> 8 * digits));
}
// Whether bytes `from`..7 of `word` (low byte first) are all spaces.
inline bool all_spaces_from(uint64_t word, size_t from) {
  using namespace byte_scan_detail;
  const uint64_t x = word ^ (kOnes * ' ');
  const uint64_t nonzero = (((x & ~kHighs) + ~kHighs) | x) & kHighs;  // exact per byte
  return from >= 8 || (nonzero >> (8 * from)) == 0;
}

// Position of the first `c` at or after `from`, or s.size().
inline size_t find_byte(std::string_view s, size_t from, char c) {
  using namespace byte_scan_detail;
#if defined(__SSE2__)
  for (; from + 16 <= s.size(); from += 16)
    if (const unsigned bits = equal_mask(load16(s.data() + from), c)) return from + static_cast<size_t>(std::countr_zero(bits));
#endif
  for (; from + 8 <= s.size(); from += 8)
    if (uint64_t bits = match_bits(load8(s.data() + from), c)) return from + static_cast<size_t>(std::countr_zero(bits)) / 8;
  while (from < s.size() && s[from] != c) ++from;
  return from;
}

// Whether `s` holds a byte of 0x80 or more (UTF-8) or a tab: the lines a
// pasted copy may hold blanks in. Sixteen bytes a compare and a movemask;
// a byte loop cost a tenth of a whole two-thread analysis.
inline bool has_high_or_tab(std::string_view s) {
  using namespace byte_scan_detail;
  size_t at = 0;
#if defined(__SSE2__)
  for (; at + 16 <= s.size(); at += 16) {
    const __m128i bytes = load16(s.data() + at);
    if ((static_cast<unsigned>(_mm_movemask_epi8(bytes)) | equal_mask(bytes, '\t')) != 0) return true;
  }
#endif
  for (; at + 8 <= s.size(); at += 8) {
    const uint64_t word = load8(s.data() + at);
    if ((word & kHighs) | match_bits(word, '\t')) return true;
  }
  for (; at < s.size(); ++at)
    if (static_cast<unsigned char>(s[at]) >= 0x80 || s[at] == '\t') return true;
  return false;
}

// Position of the first `a` or `b` at or after `from`, or s.size().
inline size_t find_either(std::string_view s, size_t from, char a, char b) {
  using namespace byte_scan_detail;
#if defined(__SSE2__)
  for (; from + 16 <= s.size(); from += 16) {
    const __m128i bytes = load16(s.data() + from);
    if (const unsigned bits = equal_mask(bytes, a) | equal_mask(bytes, b)) return from + static_cast<size_t>(std::countr_zero(bits));
  }
#endif
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
#if defined(__SSE2__)
  for (; from + 16 <= s.size(); from += 16)
    if (const unsigned other = equal_mask(load16(s.data() + from), ' ') ^ 0xffffu) return from + static_cast<size_t>(std::countr_zero(other));
#endif
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

// `s` without the spaces and tabs around it, nor a '\r' at its end (a line
// of a file written on Windows).
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace ftlens
