#include "model/labels.h"

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

}  // namespace ftlens
