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

// A time as the trace's lines print it (microseconds).
inline std::string trace_seconds(int64_t ns) { return format_timestamp(ns, 6); }

}  // namespace ftlens
