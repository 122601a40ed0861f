// Everything an analysis produced, as the exporters consume it.
#pragma once

#include <string>
#include <vector>

#include "detectors/finding.h"
#include "model/stats.h"
#include "parser/text_trace_parser.h"

namespace ftlens {

struct AnalysisResult {
  std::string path;
  std::string format;           // "ftrace-text", ...
  uint64_t bytes = 0;
  uint64_t events = 0;
  std::vector<int32_t> cpus;    // CPUs that produced events
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  int fraction_digits = 6;      // how the trace prints timestamps
  TextTraceInfo text;
  std::vector<ParseIssue> first_issues;  // the first few lines that could not be used
  ModelStats model_stats;
  std::vector<Finding> findings;         // sorted: severity, then start
};

}  // namespace ftlens
