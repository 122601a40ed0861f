#include <doctest/doctest.h>

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
    std::string s(static_cast<size_t>(rng() % 40), 'a');
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
