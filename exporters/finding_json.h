// A finding read back from its JSON form (json_report.h), as the pages and
// files built from scan entries (JUnit, HTML) print it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "detectors/finding.h"
#include "parser/timestamp.h"

namespace ftlens {

inline Severity finding_severity(const nlohmann::ordered_json& f) {
  return severity_from_name(f["severity"].get_ref<const std::string&>()).value_or(Severity::kInfo);
}

// "CPU3", or "-" for a finding about no CPU.
inline std::string finding_cpu_label(const nlohmann::ordered_json& f) {
  return f["cpu"].is_number_integer() ? "CPU" + std::to_string(f["cpu"].get<int64_t>()) : std::string("-");
}

// How an entry's times print, from its report's input (input.clock and
// input.fraction_digits; a report without them: seconds to the microsecond).
inline TimeStyle time_style_of(const nlohmann::ordered_json& input) {
  TimeStyle style;
  if (!input.is_object()) return style;
  style.wall_clock = input.value("clock", std::string()) == "wall-clock";
  style.fraction_digits = input.value("fraction_digits", 6);
  return style;
}

}  // namespace ftlens
