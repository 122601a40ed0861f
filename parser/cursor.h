// Bounds-checked reading of a string_view: every read advances the view and
// reports failure instead of reading past the end.
//
// Keys are string literals and are nearly always right at the cursor (the
// payload grammars read fields in the order the kernel prints them), so the
// literal forms check "starts with" first with a compile-time length, which
// the compiler turns into a couple of integer compares, and only then search.
#pragma once

#include <cstdint>
#include <cstring>  // memcmp
#include <optional>
#include <string_view>

#include "byte_scan.h"

namespace ftlens {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

  void skip_spaces() {
    size_t i = 0;
    while (i < rest_.size() && (rest_[i] == ' ' || rest_[i] == '\t')) ++i;
    rest_.remove_prefix(i);
  }
  // Consumes `literal` if the text starts with it.
  template <size_t N>
  bool expect(const char (&literal)[N]) {
    if (!starts_with(literal)) return false;
    rest_.remove_prefix(N - 1);
    return true;
  }
  // Consumes everything up to and including the first `literal`.
  template <size_t N>
  bool skip_past(const char (&literal)[N]) {
    if (starts_with(literal)) {
      rest_.remove_prefix(N - 1);
      return true;
    }
    size_t at = find(literal);
    if (at == std::string_view::npos) return false;
    rest_.remove_prefix(at + N - 1);
    return true;
  }
  // Returns the text before the first `literal` (which stays unread), or
  // nullopt when it does not occur.
  template <size_t N>
  std::optional<std::string_view> read_until(const char (&literal)[N]) {
    size_t at = find(literal);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at);
    return out;
  }
  // Returns the text up to the next space (or all of it).
  std::string_view read_token() {
    size_t at = find_byte(rest_, 0, ' ');
    std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at);
    return out;
  }
  // An optionally negative decimal that fits int64.
  std::optional<int64_t> read_int() {
    size_t i = 0;
    const bool negative = !rest_.empty() && rest_[0] == '-';
    if (negative) i = 1;
    const size_t first_digit = i;
    uint64_t value = 0;
    for (; i < rest_.size() && rest_[i] >= '0' && rest_[i] <= '9'; ++i) {
      if (i - first_digit >= 19) return std::nullopt;  // 20 digits may not fit; no trace field is that long
      value = value * 10 + static_cast<uint64_t>(rest_[i] - '0');
    }
    if (i == first_digit || value > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) return std::nullopt;
    rest_.remove_prefix(i);
    return negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  }
  // Hex with or without "0x", as %p prints it ("0xd8c3cb7c", "0000000010064415"),
  // and trace-cmd's "(nil)" for a null pointer.
  std::optional<uint64_t> read_hex() {
    if (expect("(nil)")) return 0;
    expect("0x");
    if (rest_.size() >= 16 && (rest_.size() == 16 || hex_digit(rest_[16]) < 0)) {
      const uint64_t high = byte_scan_detail::load8(rest_.data()), low = byte_scan_detail::load8(rest_.data() + 8);
      if (is_eight_hex_digits(high) && is_eight_hex_digits(low)) {  // all 16 digits: the usual %p
        rest_.remove_prefix(16);
        return uint64_t{eight_hex_digits_value(high)} << 32 | eight_hex_digits_value(low);
      }
    }
    size_t i = 0;
    uint64_t value = 0;
    for (; i < rest_.size(); ++i) {
      const int digit = hex_digit(rest_[i]);
      if (digit < 0) break;
      if (i >= 16) return std::nullopt;  // over 64 bits
      value = value << 4 | static_cast<unsigned>(digit);
    }
    if (i == 0) return std::nullopt;
    rest_.remove_prefix(i);
    return value;
  }

 private:
  template <size_t N>
  bool starts_with(const char (&literal)[N]) const {
    return rest_.size() >= N - 1 && std::memcmp(rest_.data(), literal, N - 1) == 0;
  }

  template <size_t N>
  size_t find(const char (&literal)[N]) const {
    static_assert(N > 1, "an empty literal is found everywhere");
    for (size_t at = find_byte(rest_, 0, literal[0]); at + N - 1 <= rest_.size(); at = find_byte(rest_, at + 1, literal[0]))
      if (std::memcmp(rest_.data() + at, literal, N - 1) == 0) return at;
    return std::string_view::npos;
  }

  // The value of a hex digit, or -1.
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::string_view rest_;
};

}  // namespace ftlens
