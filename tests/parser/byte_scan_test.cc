#include <doctest/doctest.h>

#include <cstring>  // memcpy
#include <random>
#include <string>

#include "parser/byte_scan.h"

using namespace ftlens;

namespace {

size_t naive_find(const std::string& s, size_t from, char a, char b) {
  while (from < s.size() && s[from] != a && s[from] != b) ++from;
  return from;
}

}  // namespace

TEST_CASE("byte scan finds the first match at every offset, in words and in the tail, like a byte loop") {
  // Bytes next to the searched ones (c-1, c+1, 0x80|c) are what a word trick
  // gets wrong when its borrows leak; they are frequent here on purpose.
  const std::string alphabet = std::string(" :!;\t\x9f\xa0\xbaxyz0") + '\0';
  std::mt19937 rng(7);
  for (int round = 0; round < 4000; ++round) {
    std::string s(static_cast<size_t>(rng() % 70), 'a');  // several 16- and 8-byte steps, then a tail
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    for (size_t from = 0; from <= s.size(); ++from) {
      REQUIRE(find_byte(s, from, ':') == naive_find(s, from, ':', ':'));
      REQUIRE(find_byte(s, from, ' ') == naive_find(s, from, ' ', ' '));
      REQUIRE(find_either(s, from, ':', ' ') == naive_find(s, from, ':', ' '));
      size_t spaces = from;
      while (spaces < s.size() && s[spaces] == ' ') ++spaces;
      REQUIRE(skip_spaces(s, from) == spaces);
      size_t blanks = from;
      while (blanks < s.size() && (s[blanks] == ' ' || s[blanks] == '\t')) ++blanks;
      REQUIRE(skip_blanks(s, from) == blanks);
    }
  }
}

TEST_CASE("byte scan returns the end when there is no match") {
  CHECK(find_byte("abcdefghijklmnop", 0, ':') == 16);
  CHECK(find_either("abcdefghijklmnopq", 3, ':', ' ') == 17);
  CHECK(skip_spaces("                ", 0) == 16);
  CHECK(find_byte("", 0, ':') == 0);
}

TEST_CASE("eight hex digits are told and read in one word exactly as a byte loop reads them") {
  // Every byte value at every position, next to valid digits; then random
  // words drawn mostly from the digits and their neighbours ('/', ':', '@',
  // 'G', '`', 'g', and the same with the high bit set).
  auto naive = [](const char* p, uint32_t* value) {
    uint32_t v = 0;
    for (int i = 0; i < 8; ++i) {
      const char c = p[i];
      unsigned digit;
      if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
      else return false;
      v = v << 4 | digit;
    }
    *value = v;
    return true;
  };
  auto check = [&](const char* p) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    uint32_t expected = 0;
    const bool valid = naive(p, &expected);
    REQUIRE(is_eight_hex_digits(word) == valid);
    if (valid) REQUIRE(eight_hex_digits_value(word) == expected);
  };
  for (int pos = 0; pos < 8; ++pos)
    for (int byte = 0; byte < 256; ++byte) {
      char p[8] = {'0', '1', 'a', 'F', '9', 'f', 'A', '5'};
      p[pos] = static_cast<char>(byte);
      check(p);
    }
  const std::string alphabet = "0123456789abcdefABCDEF/:@G`g\xb0\xb9\xe1\xc6";
  std::mt19937 rng(11);
  for (int round = 0; round < 200000; ++round) {
    char p[8];
    for (char& c : p) c = alphabet[rng() % (round % 2 ? 22 : alphabet.size())];
    check(p);
  }
}

TEST_CASE("leading digits and trailing spaces of a word are counted exactly as a byte loop counts them") {
  const std::string alphabet = std::string("0123456789 /:\x10\x20\xb0\xb9\xa0\x80", 19) + '\0';
  std::mt19937 rng(13);
  for (int round = 0; round < 300000; ++round) {
    char p[8];
    for (char& c : p) c = alphabet[rng() % (round % 3 ? 12 : alphabet.size())];
    uint64_t word;
    std::memcpy(&word, p, 8);
    size_t digits = 0;
    while (digits < 8 && p[digits] >= '0' && p[digits] <= '9') ++digits;
    REQUIRE(leading_digits(word) == digits);
    for (size_t from = 0; from <= 8; ++from) {
      bool spaces = true;
      for (size_t i = from; i < 8; ++i) spaces = spaces && p[i] == ' ';
      REQUIRE(all_spaces_from(word, from) == spaces);
    }
  }
}

TEST_CASE("byte scan.a UTF-8 byte or a tab is found at any place of a line of any length, and a plain line has none") {
  for (size_t length = 0; length < 40; ++length) {
    const std::string plain(length, 'a');
    CHECK_FALSE(ftlens::has_high_or_tab(plain));
    for (size_t at = 0; at < length; ++at) {
      CAPTURE(length);
      CAPTURE(at);
      std::string with_tab = plain, with_high = plain;
      with_tab[at] = '\t';
      with_high[at] = '\xc2';
      CHECK(ftlens::has_high_or_tab(with_tab));
      CHECK(ftlens::has_high_or_tab(with_high));
    }
  }
}
