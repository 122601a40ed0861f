#include "detectors/describe.h"

#include <cstdio>  // snprintf

#include "parser/string_pool.h"

namespace ftlens {

std::string task_label(const StringPool& strings, StrId comm, int32_t pid) {
  return std::string(strings.view(comm)) + "-" + std::to_string(pid);
}

std::string hex_address(uint64_t address) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(address));
  return buf;
}

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
