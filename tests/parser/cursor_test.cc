#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <string>

#include "parser/cursor.h"

using namespace ftlens;

namespace {

// read_hex as it was before 16 digits were read in two words: the reference.
std::optional<uint64_t> hex_by_bytes(std::string_view s, size_t* consumed) {
  size_t at = 0;
  if (s.starts_with("(nil)")) {
    *consumed = 5;
    return 0;
  }
  if (s.starts_with("0x")) at = 2;
  uint64_t value = 0;
  size_t i = at;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned digit;
    if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
    else break;
    if (i - at >= 16) return std::nullopt;
    value = value << 4 | digit;
  }
  if (i == at) return std::nullopt;
  *consumed = i;
  return value;
}

}  // namespace

TEST_CASE("cursor reads hex of every length, case and ending as a byte loop does, 16 digits included") {
  const std::string digits = "0123456789abcdefABCDEF";
  const std::string after = " ,:)xg/G\xb0";
  std::mt19937 rng(5);
  for (int round = 0; round < 100000; ++round) {
    std::string s = round % 3 == 0 ? "0x" : "";
    const size_t n = round % 4 == 0 ? 16 : rng() % 20;  // 16 often: the two-word path
    for (size_t i = 0; i < n; ++i) s += digits[rng() % digits.size()];
    if (round % 7 == 0 && n > 0) s[rng() % s.size()] = after[rng() % after.size()];  // a stray byte inside
    if (round % 2) s += after[rng() % after.size()];
    if (round % 5 == 0) s += "tail";
    size_t consumed = 0;
    const std::optional<uint64_t> expected = hex_by_bytes(s, &consumed);
    Cursor c(s);
    const std::optional<uint64_t> got = c.read_hex();
    REQUIRE(got.has_value() == expected.has_value());
    if (!expected) continue;
    REQUIRE(*got == *expected);
    REQUIRE(c.rest() == std::string_view(s).substr(consumed));
  }
  Cursor seventeen("00000000000000001 rest");
  CHECK_FALSE(seventeen.read_hex().has_value());  // over 64 bits
  Cursor pointer("ffff8881f9e3a140: function x");
  CHECK(pointer.read_hex() == 0xffff8881f9e3a140ULL);
  CHECK(pointer.rest() == ": function x");
  Cursor nil("(nil) x");
  CHECK(nil.read_hex() == 0);
}
