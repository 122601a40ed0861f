// HTML people would rather look at than read: one self-contained page (no
// network needed to view it) for a scan (`scan --html`) or one trace
// (`analyze --html`). Per trace a timeline picture (inline SVG, a lane per
// CPU, the findings' spans colored by severity, the root causes marked, the
// axis in trace seconds), the groups first (root cause, then its findings),
// then the findings; for a scan a sortable, filterable table of the traces.
// A trace's Perfetto JSON is linked, with a button that opens it in the
// Perfetto UI through the UI's postMessage protocol.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ftlens {

// From a scan report (exporters/scan_report.h): its trace entries'
// "perfetto" paths are used as given (make them relative to the page).
std::string build_scan_html(const nlohmann::ordered_json& report);

// From one trace's JSON report (exporters/json_report.h); `perfetto` is the
// link to its Perfetto JSON ("" for none).
std::string build_trace_html(const nlohmann::ordered_json& report, const std::string& perfetto);

}  // namespace ftlens
