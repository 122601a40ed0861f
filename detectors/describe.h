// Small formatting helpers for detectors' messages and details. Task labels
// and addresses, which the exporters print too, come from model/labels.h.
#pragma once

#include <string>

#include "model/labels.h"
#include "parser/event.h"

namespace ftlens {

// "0xf3": the CPUs in `mask` as a bit mask, like a vendor watchdog's kick_bit
std::string hex_cpumask(const CpuMask& mask);

}  // namespace ftlens
