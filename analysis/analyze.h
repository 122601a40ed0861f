// One analysis run: trace -> parser -> model -> detectors -> findings, with
// the Perfetto writer riding along on the model's spans.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/analysis_result.h"
#include "exporters/perfetto_json.h"

namespace ftlens {

struct AnalyzeOptions {
  std::string trace;
  std::string config_path;          // JSON: {"detector": {"key": "value"}}
  std::vector<std::string> sets;    // "detector.key=value"
  std::string perfetto_path;        // empty: no Perfetto JSON
  TimelineOptions timeline;         // what the Perfetto JSON shows
  std::string instance;             // trace.dat buffer instance; "" for the top buffer
  std::string dmesg_path;           // a kernel log to search for lockup reports
  unsigned text_threads = 0;        // ReadOptions::text_threads
  std::function<void(uint64_t)> on_bytes_read;  // ReadOptions::on_bytes_read (a progress line)
};

struct AnalyzeOutcome {
  bool ok = false;
  std::string error;  // one line, for stderr, when !ok
  AnalysisResult result;
  uint64_t perfetto_bytes = 0;  // size of the Perfetto JSON written
};

AnalyzeOutcome analyze(const AnalyzeOptions& options);

// Narrows `options.timeline` to the window around one finding ("F3"): its
// span with a margin of a tenth of it (at least a second) each side, and,
// unless CPUs were chosen, the CPUs of it and of its group. Analyzes the
// trace once to find it (so the trace cannot be stdin); returns the error
// (one line) when that fails or there is no such finding.
std::optional<std::string> focus_on_finding(AnalyzeOptions& options, std::string_view finding_id);

}  // namespace ftlens
