// "1 error", "2 errors": a count and its noun, for every message a person
// reads. The nouns ftlens counts all take a plain "s".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ftlens {

inline std::string counted(uint64_t n, std::string_view noun) {
  std::string out = std::to_string(n);
  out += ' ';
  out += noun;
  if (n != 1) out += 's';
  return out;
}

}  // namespace ftlens
