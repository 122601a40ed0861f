// Small formatting helpers shared by detectors' messages and details.
#pragma once

#include <string>

#include "parser/event.h"

namespace ftlens {

class StringPool;

// "kworker/4:3-10711"
std::string task_label(const StringPool& strings, StrId comm, int32_t pid);
// "0xd8c3cb7c": a kernel pointer as the trace printed it, without zero padding
std::string hex_address(uint64_t address);
// "0xf3": the CPUs in `mask` as a bit mask, like a vendor watchdog's kick_bit
std::string hex_cpumask(const CpuMask& mask);

}  // namespace ftlens
