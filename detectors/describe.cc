#include "detectors/describe.h"

namespace ftlens {

std::string hex_cpumask(const CpuMask& mask) {
  std::string out;
  bool leading = true;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t w = mask.words.size(); w-- > 0;) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      auto nibble = static_cast<unsigned>((mask.words[w] >> shift) & 0xF);
      if (leading && nibble == 0) continue;
      leading = false;
      out += kDigits[nibble];
    }
  }
  return "0x" + (out.empty() ? std::string("0") : out);
}

}  // namespace ftlens
