// How the model's things are written for people: a task as "comm-pid", a
// kernel pointer as hex. Detectors' messages and the exporters' outputs name
// the same task or work item the same way, so both take it from here.
#pragma once

#include <cstdint>
#include <string>

#include "parser/str_id.h"

namespace ftlens {

class StringPool;

// "kworker/4:3-10711"
std::string task_label(const StringPool& strings, StrId comm, int32_t pid);
// "0xd8c3cb7c": a kernel pointer as the trace printed it, without zero padding
std::string hex_address(uint64_t address);

}  // namespace ftlens
